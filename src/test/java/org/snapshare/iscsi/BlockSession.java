package org.snapshare.iscsi;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A one-command-at-a-time block client of one target's LUN 0, for tests that
 * must know exactly when each command was acknowledged (crash models): writes
 * go whole as immediate data, so none may exceed {@link #MAX_WRITE}.
 */
public final class BlockSession implements Closeable {

    public static final int BLOCK = 512;
    /** The default FirstBurstLength: what one PDU of immediate data may carry. */
    public static final int MAX_WRITE = 64 << 10;
    private static final int SENSE_UNIT_ATTENTION = 6;

    private final TestInitiator initiator;

    /** Logs in to {@code target}; fails with the login's status when the target refuses or does not exist. */
    public BlockSession(InetSocketAddress portal, String target) throws Exception {
        initiator = new TestInitiator(portal);
        try {
            Pdu response = initiator.login(java.util.Map.of("InitiatorName", "iqn.2026-12.org.snapshare:block-session",
                    "SessionType", "Normal", "TargetName", target, "InitialR2T", "No", "ImmediateData", "Yes"));
            if (response.byteAt(36) != 0) {
                throw new IOException("login to " + target + " refused: status "
                        + Integer.toHexString(response.shortAt(36) & 0xffff));
            }
        } catch (Exception e) {
            initiator.close();
            throw e;
        }
    }

    /** WRITE (10) of whole blocks at {@code lba}. */
    public void write(long lba, byte[] data) throws Exception {
        if (data.length % BLOCK != 0 || data.length > MAX_WRITE) {
            throw new IllegalArgumentException("a write of " + data.length + " bytes");
        }
        int blocks = data.length / BLOCK;
        execute(0xa0, data, 0x2a, 0, (int) (lba >>> 24) & 0xff, (int) (lba >>> 16) & 0xff, (int) (lba >>> 8) & 0xff,
                (int) lba & 0xff, 0, blocks >>> 8, blocks & 0xff, 0);
    }

    /** SYNCHRONIZE CACHE (10) of the whole LUN. */
    public void synchronizeCache() throws Exception {
        execute(0x80, null, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** UNMAP of one range. */
    public void unmap(long lba, int blocks) throws Exception {
        ByteBuffer list = ByteBuffer.allocate(24).putShort((short) 22).putShort((short) 16).putInt(0)
                .putLong(lba).putInt(blocks).putInt(0);
        execute(0xa0, list.array(), 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0);
    }

    /** READ CAPACITY (10): the LUN's size in blocks. */
    public long capacityBlocks() throws Exception {
        byte[] answer = read(8, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        return (ByteBuffer.wrap(answer).getInt() & 0xffffffffL) + 1;
    }

    /** READ (10) of {@code blocks} blocks at {@code lba}. */
    public byte[] read(long lba, int blocks) throws Exception {
        return read(blocks * BLOCK, 0x28, 0, (int) (lba >>> 24) & 0xff, (int) (lba >>> 16) & 0xff,
                (int) (lba >>> 8) & 0xff, (int) lba & 0xff, 0, blocks >>> 8, blocks & 0xff, 0);
    }

    /** A command that reads {@code length} bytes, retried once after a unit attention. */
    private byte[] read(int length, int... cdb) throws Exception {
        for (int attempt = 0; ; attempt++) {
            initiator.send(initiator.command(0xc0, length, cdb));
            ByteBuffer data = ByteBuffer.allocate(length);
            Pdu pdu = receiveAnswer();
            while (pdu.opcode() == Opcode.DATA_IN) {
                data.put(pdu.intAt(40), pdu.data(), 0, pdu.dataSegmentLength());
                if ((pdu.flags() & 0x01) != 0) { // status in the last Data-In
                    checkStatus(pdu.byteAt(3), null);
                    return data.array();
                }
                pdu = receiveAnswer();
            }
            if (!retryAfter(pdu, attempt)) {
                return data.array();
            }
        }
    }

    /** Sends a command, retrying once after a unit attention (the command was not executed then). */
    private void execute(int flags, byte[] data, int... cdb) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Pdu command = initiator.command(flags, data == null ? 0 : data.length, cdb);
            if (data != null) {
                command.data(ByteBuffer.wrap(data));
            }
            initiator.send(command);
            if (!retryAfter(receiveAnswer(), attempt)) {
                return;
            }
        }
    }

    /** True when {@code response} is a first unit attention (retry); throws on any other failure. */
    private static boolean retryAfter(Pdu response, int attempt) throws IOException {
        if (response.opcode() != Opcode.SCSI_RESPONSE) {
            throw new IOException("unexpected answer " + response);
        }
        if (response.byteAt(2) != 0) {
            throw new IOException("iSCSI response " + response.byteAt(2));
        }
        int status = response.byteAt(3);
        byte[] sense = null;
        if (status != 0 && response.dataSegmentLength() >= 2 + 14) { // SenseLength, then fixed-format sense
            sense = new byte[response.dataSegmentLength() - 2];
            response.data().get(2, sense);
        }
        if (status == 2 && sense != null && (sense[2] & 0x0f) == SENSE_UNIT_ATTENTION && attempt == 0) {
            return true;
        }
        checkStatus(status, sense);
        return false;
    }

    private static void checkStatus(int status, byte[] sense) throws IOException {
        if (status != 0) {
            throw new IOException("SCSI status " + Integer.toHexString(status) + (sense == null ? ""
                    : String.format(" sense key %x asc %02x ascq %02x", sense[2] & 0x0f, sense[12] & 0xff,
                            sense[13] & 0xff)));
        }
    }

    /** The next PDU that is not a NOP-In; pings (NOP-In asking for an answer) are answered. */
    private Pdu receiveAnswer() throws Exception {
        while (true) {
            Pdu pdu = initiator.receive();
            if (pdu.opcode() != Opcode.NOP_IN) {
                return pdu;
            }
            if (pdu.intAt(20) != Pdu.NO_TAG) {
                Pdu answer = TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(Pdu.NO_TAG)
                        .intAt(20, pdu.intAt(20)).intAt(24, initiator.cmdSn);
                initiator.send(answer);
            }
        }
    }

    @Override
    public void close() throws IOException {
        initiator.close();
    }
}
