package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.snapshare.testing.MemoryUnit;

/**
 * Random and mutated PDUs against a live server on 127.0.0.1: before login,
 * after login, truncated, with lying lengths. The server must end the bad
 * connections, log no internal error, leave no connection behind, and still
 * serve a well-behaved initiator byte for byte. Bounded in count and time.
 */
class PduFuzzTest {

    private static final String TARGET = "iqn.2026-11.org.snapshare:fuzz";
    private static final int CONNECTIONS = 300;
    private static final long TIME_LIMIT_NANOS = 60_000_000_000L;

    @Test
    void randomAndMutatedPdusNeverHurtTheServer() throws Exception {
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        Logger iscsiLog = (Logger) LoggerFactory.getLogger("org.snapshare.iscsi");
        events.start();
        iscsiLog.addAppender(events);
        TargetRegistry registry = new TargetRegistry();
        MemoryUnit unit = new MemoryUnit(1 << 20);
        registry.export(TARGET, unit);
        try (IscsiServer server = new IscsiServer(new InetSocketAddress("127.0.0.1", 0), registry)) {
            server.start();
            long seed = new Random().nextLong();
            try {
                fuzz(server.boundAddress(), new Random(seed));
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(0, server.connectionCount(), "connections left open after the fuzzing");
                wellBehavedRoundTrip(server.boundAddress());
            } catch (AssertionError | Exception e) {
                throw new AssertionError("fuzz test failed with seed " + seed + ": " + e, e);
            }
        } finally {
            iscsiLog.detachAppender(events);
        }
        List<String> errors = events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(errors.isEmpty(), "internal errors logged: " + errors);
    }

    private static void fuzz(InetSocketAddress portal, Random random) throws Exception {
        long deadline = System.nanoTime() + TIME_LIMIT_NANOS;
        for (int i = 0; i < CONNECTIONS && System.nanoTime() < deadline; i++) {
            switch (random.nextInt(3)) {
                case 0 -> noise(portal, random);
                case 1 -> mutatedLogin(portal, random);
                default -> mutatedSession(portal, random);
            }
        }
    }

    /** Plain random bytes instead of a login. */
    private static void noise(InetSocketAddress portal, Random random) throws IOException {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            byte[] bytes = new byte[1 + random.nextInt(600)];
            random.nextBytes(bytes);
            initiator.sendRaw(bytes);
            initiator.drain(20);
        }
    }

    private static void mutatedLogin(InetSocketAddress portal, Random random) throws IOException {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            Pdu login = TestInitiator.request(Opcode.LOGIN_REQUEST | 0x40).flags(0x80 | (1 << 2) | 3)
                    .data(TextParameters.encode(java.util.Map.of("InitiatorName", "iqn.2026-11.org.fuzz:i",
                            "TargetName", TARGET).entrySet()));
            initiator.sendRaw(mutate(wire(login), random));
            initiator.drain(20);
        }
    }

    /** A proper login, then PDUs of every kind with flipped header bytes, lying lengths or cut short. */
    private static void mutatedSession(InetSocketAddress portal, Random random) throws Exception {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            initiator.loginNormal(TARGET);
            int count = 1 + random.nextInt(8);
            for (int i = 0; i < count; i++) {
                initiator.sendRaw(mutate(wire(template(initiator, random)), random));
                if (!initiator.drain(15)) {
                    return; // the target hung up: fine
                }
            }
        } catch (IOException closedByTarget) {
            // the target may end a session at any point of a bad exchange
        }
    }

    private static Pdu template(TestInitiator initiator, Random random) {
        switch (random.nextInt(6)) {
            case 0:
                return initiator.command(0xc0, 4096, 0x28, 0, 0, 0, 0, random.nextInt(16), 0, 0, 8, 0); // READ(10)
            case 1:
                return initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, random.nextInt(16), 0, 0, 8, 0) // WRITE(10)
                        .data(TestInitiator.bytes(random.nextInt(4096), 0x5a));
            case 2:
                return TestInitiator.request(Opcode.DATA_OUT).flags(0x80).initiatorTaskTag(random.nextInt(0x200))
                        .intAt(20, Pdu.NO_TAG).intAt(40, random.nextInt(8192)).data(TestInitiator.bytes(512, 1));
            case 3:
                return TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(initiator.itt++)
                        .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn).data(TestInitiator.bytes(64, 7));
            case 4:
                return TestInitiator.request(Opcode.TASK_MGMT_REQUEST | 0x40).flags(0x80 | (1 + random.nextInt(8)))
                        .initiatorTaskTag(initiator.itt++).intAt(20, random.nextInt(0x200)).intAt(24, initiator.cmdSn);
            default:
                return TestInitiator.request(Opcode.TEXT_REQUEST).flags(0x80).initiatorTaskTag(initiator.itt++)
                        .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn++)
                        .data(TextParameters.encode(java.util.Map.of("SendTargets", "All").entrySet()));
        }
    }

    /** A PDU as it goes on the wire: header, data, padding. */
    private static byte[] wire(Pdu pdu) {
        ByteBuffer header = pdu.headerBytes();
        ByteBuffer data = pdu.data();
        int length = data.remaining();
        byte[] out = new byte[Pdu.BHS_LENGTH + length + PduReader.padding(length)];
        header.duplicate().position(0).get(out, 0, Pdu.BHS_LENGTH);
        data.duplicate().get(out, Pdu.BHS_LENGTH, length);
        return out;
    }

    private static byte[] mutate(byte[] pdu, Random random) {
        byte[] out = pdu.clone();
        switch (random.nextInt(4)) {
            case 0: // flip a few header bytes
                for (int i = 1 + random.nextInt(4); i > 0; i--) {
                    out[random.nextInt(Pdu.BHS_LENGTH)] ^= (byte) (1 + random.nextInt(255));
                }
                return out;
            case 1: // a data segment length that lies (up to 16 MiB)
                int length = random.nextInt(1 << 24);
                out[5] = (byte) (length >>> 16);
                out[6] = (byte) (length >>> 8);
                out[7] = (byte) length;
                return out;
            case 2: // cut short
                return java.util.Arrays.copyOf(out, random.nextInt(out.length));
            default: // an AHS length the PDU does not carry
                out[4] = (byte) random.nextInt(256);
                return out;
        }
    }

    private static void wellBehavedRoundTrip(InetSocketAddress portal) throws Exception {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            initiator.loginNormal(TARGET);
            ByteBuffer data = TestInitiator.bytes(4096, 0x3c);
            initiator.send(initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, 64, 0, 0, 8, 0).data(data.duplicate()));
            assertEquals(0, initiator.receive().byteAt(3), "write status after the fuzzing");
            initiator.send(initiator.command(0xc0, 4096, 0x28, 0, 0, 0, 0, 64, 0, 0, 8, 0));
            assertArrayEquals(data.array(), initiator.readData(4096).array(), "read back after the fuzzing");
        }
    }

}
