package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

/** Builds CDBs, runs them through a {@link BlockCommandProcessor} and checks their results. */
final class ScsiCommands {

    private ScsiCommands() {
    }

    static byte[] cdb(int... bytes) {
        byte[] cdb = new byte[16];
        for (int i = 0; i < bytes.length; i++) {
            cdb[i] = (byte) bytes[i];
        }
        return cdb;
    }

    /** Runs {@code cdb} from {@code port} with exactly the data-out it asks for. */
    static ScsiResult run(BlockCommandProcessor processor, String port, byte[] cdb, byte[] dataOut) {
        CommandPlan plan = processor.plan(port, cdb);
        assertEquals(dataOut.length, plan.dataOutLength(), "data-out the command asks for");
        return plan.complete(ByteBuffer.wrap(dataOut));
    }

    /** PERSISTENT RESERVE OUT with its basic 24-byte parameter list. */
    static ScsiResult reserveOut(BlockCommandProcessor processor, String port, int serviceAction, int type, long key,
            long serviceActionKey, int flags) {
        byte[] list = new byte[24];
        Cdb.put64(list, 0, key);
        Cdb.put64(list, 8, serviceActionKey);
        list[20] = (byte) flags;
        return run(processor, port, cdb(0x5f, serviceAction, type, 0, 0, 0, 0, 0, 24), list);
    }

    /** PERSISTENT RESERVE IN's data for {@code serviceAction}, up to 4 KiB. */
    static byte[] reserveIn(BlockCommandProcessor processor, String port, int serviceAction) {
        return data(run(processor, port, cdb(0x5e, serviceAction, 0, 0, 0, 0, 0, 0x10, 0), new byte[0]));
    }

    static byte[] data(ScsiResult result) {
        ByteBuffer in = result.dataIn();
        byte[] bytes = new byte[in.remaining()];
        in.get(bytes);
        return bytes;
    }

    static void assertSense(ScsiResult result, SenseCode expected) {
        assertEquals(ScsiResult.CHECK_CONDITION, result.status);
        assertEquals(0x70, result.sense[0] & 0x7f, "current error, fixed format");
        assertEquals(expected.key, result.sense[2] & 0x0f, "sense key");
        assertEquals(expected.asc, result.sense[12] & 0xff, "additional sense code");
        assertEquals(expected.ascq, result.sense[13] & 0xff, "qualifier");
    }
}
