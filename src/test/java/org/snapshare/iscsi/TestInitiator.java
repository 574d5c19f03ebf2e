package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/** A bare-bones initiator speaking raw PDUs, so tests can send what real initiators never would. */
public final class TestInitiator implements Closeable {

    private static final java.util.concurrent.atomic.AtomicInteger SESSIONS = new java.util.concurrent.atomic.AtomicInteger();
    final Socket socket;
    final PduReader reader;
    final PduWriter writer;
    int cmdSn = 1;
    int itt = 0x100;

    public TestInitiator(InetSocketAddress portal) throws IOException {
        socket = new Socket(portal.getAddress(), portal.getPort());
        socket.setSoTimeout(10_000);
        reader = new PduReader(socket.getInputStream(), 1 << 24);
        writer = new PduWriter(socket.getOutputStream());
    }

    /** Logs in straight to full feature phase with the given keys; returns the final response. */
    Pdu login(Map<String, String> keys) throws Exception {
        Pdu request = request(Opcode.LOGIN_REQUEST | 0x40).flags(0x80 | (1 << 2) | 3);
        // A distinct ISID per test initiator, so two of them are two sessions, not a reinstatement.
        request.headerBytes().put(8, new byte[] {0x40, 0, 0, 1, 0, (byte) SESSIONS.incrementAndGet()});
        request.initiatorTaskTag(itt++).intAt(24, cmdSn);
        send(request.data(TextParameters.encode(keys.entrySet())));
        return receive();
    }

    public Pdu loginNormal(String target, String... extraKeys) throws Exception {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("InitiatorName", "iqn.2026-11.org.snapshare:test-initiator");
        keys.put("SessionType", "Normal");
        keys.put("TargetName", target);
        for (int i = 0; i < extraKeys.length; i += 2) {
            keys.put(extraKeys[i], extraKeys[i + 1]);
        }
        Pdu response = login(keys);
        assertEquals(0, response.byteAt(36), "login status class");
        return response;
    }

    /** What a login text flood ended with: the status class of the last answer, and the bytes of text sent. */
    record FloodOutcome(int statusClass, long bytesSent) {
    }

    /** Starts a login whose text never ends: its first part, with the C bit (RFC 7143, 11.12.2). */
    void beginLoginFlood() throws IOException {
        send(continuedLoginPart("InitiatorName=iqn.2026-11.org.snapshare:flood\0"));
    }

    /** Answers each acknowledged part with 8 KiB more text until the target refuses, or {@code maxBytes} went out. */
    FloodOutcome continueLoginFlood(long maxBytes) throws Exception {
        byte[] junk = ("X-junk=" + "a".repeat(8000) + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long sent = 0;
        int statusClass = receive().byteAt(36);
        while (statusClass == 0 && sent < maxBytes) {
            send(continuedLoginPart(new String(junk, java.nio.charset.StandardCharsets.US_ASCII)));
            sent += junk.length;
            statusClass = receive().byteAt(36);
        }
        return new FloodOutcome(statusClass, sent);
    }

    private static Pdu continuedLoginPart(String text) {
        return request(Opcode.LOGIN_REQUEST | 0x40).flags(0x40 | (1 << 2) | 3)
                .data(ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }

    /** A SCSI Command PDU for LUN 0 with the next ITT and CmdSN; flags as given (F, R, W). */
    Pdu command(int flags, long expectedLength, int... cdb) {
        Pdu command = request(Opcode.SCSI_COMMAND).flags(flags).initiatorTaskTag(itt++).intAt(20, (int) expectedLength)
                .intAt(24, cmdSn++);
        for (int i = 0; i < cdb.length; i++) {
            command.byteAt(32 + i, cdb[i]);
        }
        return command;
    }

    static Pdu request(int opcodeByte) {
        Pdu pdu = Pdu.response(0);
        pdu.byteAt(0, opcodeByte);
        return pdu;
    }

    void send(Pdu pdu) throws IOException {
        writer.write(pdu);
    }

    Pdu receive() throws Exception {
        Pdu pdu = reader.read();
        if (pdu == null) {
            throw new IOException("target closed the connection");
        }
        return pdu;
    }

    /** Collects a read's Data-In until the PDU with status; returns the data. */
    ByteBuffer readData(int expectedLength) throws Exception {
        ByteBuffer data = ByteBuffer.allocate(expectedLength);
        int received = 0;
        while (true) {
            Pdu pdu = receive();
            assertEquals(Opcode.DATA_IN, pdu.opcode(), "expected Data-In, got " + pdu);
            data.put(pdu.intAt(40), pdu.data(), 0, pdu.dataSegmentLength());
            received = Math.max(received, pdu.intAt(40) + pdu.dataSegmentLength());
            if ((pdu.flags() & 0x01) != 0) {
                assertEquals(0, pdu.byteAt(3), "status in the last Data-In");
                return data.position(received);
            }
        }
    }

    /** CRC32C header and data digests on both directions from now on (after a login that negotiated them). */
    void digests(boolean header, boolean data) {
        reader.digests(header, data);
        writer.digests(header, data);
    }

    /** Bytes straight onto the wire, whatever they are. */
    void sendRaw(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** Reads and drops what the target sends until it is quiet for {@code millis} or closes; false on close. */
    boolean drain(int millis) throws IOException {
        socket.setSoTimeout(millis);
        byte[] sink = new byte[8192];
        try {
            while (true) {
                if (socket.getInputStream().read(sink) < 0) {
                    return false;
                }
            }
        } catch (java.net.SocketTimeoutException quiet) {
            return true;
        } catch (java.net.SocketException reset) {
            return false;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(10_000);
            }
        }
    }

    static ByteBuffer bytes(int length, int fill) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) fill);
        return ByteBuffer.wrap(bytes);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
