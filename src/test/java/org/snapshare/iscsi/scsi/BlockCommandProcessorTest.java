package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.snapshare.iscsi.scsi.ScsiCommands.assertSense;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;
import static org.snapshare.iscsi.scsi.ScsiCommands.data;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.snapshare.testing.MemoryUnit;

class BlockCommandProcessorTest {

    private static final int BLOCKS = 2048;
    private static final String PORT = "iqn.2026-11.test:initiator,i,0x000000000001";
    private final MemoryUnit unit = new MemoryUnit(BLOCKS * 512);
    private final BlockCommandProcessor processor = new BlockCommandProcessor(unit);

    private ScsiResult run(byte[] cdb) {
        return ScsiCommands.run(processor, PORT, cdb, new byte[0]);
    }

    private ScsiResult runWithData(byte[] cdb, byte[] dataOut) {
        return ScsiCommands.run(processor, PORT, cdb, dataOut);
    }

    @Test
    void orWriteOrsDataOutIntoTheMedium() {
        byte[] low = new byte[2 * 512];
        Arrays.fill(low, (byte) 0x0f);
        assertEquals(ScsiResult.GOOD, runWithData(cdb(0x2a, 0, 0, 0, 0, 20, 0, 0, 2), low).status);
        byte[] high = new byte[2 * 512];
        Arrays.fill(high, (byte) 0x30);
        high[700] = (byte) 0x80;
        assertEquals(ScsiResult.GOOD,
                runWithData(cdb(0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0), high).status);
        byte[] expected = new byte[2 * 512];
        Arrays.fill(expected, (byte) 0x3f);
        expected[700] = (byte) 0x8f;
        assertArrayEquals(expected, unit.copy(20 * 512, 2 * 512));
    }

    @Test
    void writeSameRepeatsOneBlockAndVerifyFindsTheFirstDifference() {
        byte[] block = new byte[512];
        Arrays.fill(block, (byte) 0x6b);
        assertEquals(ScsiResult.GOOD, runWithData(cdb(0x41, 0, 0, 0, 0, 10, 0, 0, 4), block).status); // LBA 10, 4 blocks
        byte[] four = new byte[4 * 512];
        Arrays.fill(four, (byte) 0x6b);
        assertEquals(ScsiResult.GOOD, runWithData(cdb(0x2f, 0x02, 0, 0, 0, 10, 0, 0, 4), four).status); // BYTCHK 1
        assertEquals(ScsiResult.GOOD, runWithData(cdb(0x2f, 0x06, 0, 0, 0, 10, 0, 0, 4), block).status); // BYTCHK 3
        four[3 * 512 + 7] = 0;
        ScsiResult miscompare = runWithData(cdb(0x2f, 0x02, 0, 0, 0, 10, 0, 0, 4), four);
        assertSense(miscompare, SenseCode.MISCOMPARE_DURING_VERIFY);
        assertEquals(0x80, miscompare.sense[0] & 0x80, "VALID: the INFORMATION field holds the offset");
        assertEquals(3 * 512 + 7, ByteBuffer.wrap(miscompare.sense).getInt(3), "offset of the first difference");
        assertSense(run(cdb(0x41, 0x08, 0, 0, 0, 10, 0, 0, 4)), SenseCode.INVALID_FIELD_IN_CDB); // UNMAP: not thin
        assertSense(run(cdb(0x41, 0, 0, 0, 0, 10, 0, 0, 0)), SenseCode.INVALID_FIELD_IN_CDB); // 0 blocks: WSNZ
    }

    @Test
    void writeAndVerifyWritesAndCanBeCutToWholeBlocks() {
        byte[] two = new byte[2 * 512];
        Arrays.fill(two, (byte) 0x21);
        CommandPlan plan = processor.plan(PORT, cdb(0x2e, 0x02, 0, 0, 0, 40, 0, 0, 4)).limitTo(2 * 512);
        assertEquals(2 * 512, plan.dataOutLength());
        assertEquals(ScsiResult.GOOD, plan.complete(ByteBuffer.wrap(two)).status);
        byte[] read = data(run(cdb(0x28, 0, 0, 0, 0, 40, 0, 0, 2)));
        assertArrayEquals(two, read);
        assertEquals(ScsiResult.GOOD, run(cdb(0x34, 0, 0, 0, 0, 40, 0, 0, 2)).status); // PRE-FETCH
        assertSense(run(cdb(0x34, 0, 0, 0, 0x7f, 0, 0, 0, 2)), SenseCode.LBA_OUT_OF_RANGE);
    }

    @Test
    void readCapacityReportsTheLastLbaNotTheBlockCount() {
        byte[] data10 = data(run(cdb(0x25)));
        assertEquals(BLOCKS - 1, ByteBuffer.wrap(data10).getInt(0));
        assertEquals(512, ByteBuffer.wrap(data10).getInt(4));

        byte[] data16 = data(run(cdb(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32)));
        assertEquals(32, data16.length);
        assertEquals(BLOCKS - 1, ByteBuffer.wrap(data16).getLong(0));
        assertEquals(512, ByteBuffer.wrap(data16).getInt(8));
    }

    @Test
    void writeThenReadReturnsTheSameBytes() {
        CommandPlan write = processor.plan(PORT, cdb(0x2a, 0, 0, 0, 0, 10, 0, 0, 2));
        assertEquals(1024, write.dataOutLength());
        byte[] pattern = new byte[1024];
        Arrays.fill(pattern, (byte) 0x5a);
        assertEquals(ScsiResult.GOOD, write.complete(ByteBuffer.wrap(pattern)).status);
        assertArrayEquals(pattern, unit.copy(10 * 512, 1024));

        ScsiResult read16 = run(cdb(0x88, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2));
        assertArrayEquals(pattern, data(read16));
    }

    @Test
    void forceUnitAccessFlushes() {
        CommandPlan write = processor.plan(PORT, cdb(0x2a, 0x08, 0, 0, 0, 0, 0, 0, 1));
        write.complete(ByteBuffer.allocate(512));
        assertEquals(1, unit.flushes.get());
        assertEquals(ScsiResult.GOOD, run(cdb(0x35)).status);
        assertEquals(2, unit.flushes.get());
    }

    @Test
    void accessPastTheEndIsLbaOutOfRange() {
        assertSense(run(cdb(0x28, 0, 0, 0, 0x07, 0xff, 0, 0, 2)), SenseCode.LBA_OUT_OF_RANGE);
        assertSense(processor.plan(PORT, cdb(0x2a, 0, 0, 0, 0x08, 0x00, 0, 0, 1)).complete(null), SenseCode.LBA_OUT_OF_RANGE);
        // A 64-bit LBA with the top bit set must not wrap around to "in range".
        assertSense(run(cdb(0x88, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)), SenseCode.LBA_OUT_OF_RANGE);
        // The very last block is fine.
        assertEquals(ScsiResult.GOOD, run(cdb(0x28, 0, 0, 0, 0x07, 0xff, 0, 0, 1)).status);
    }

    @Test
    void zeroLengthReadSucceedsWithNoData() {
        ScsiResult result = run(cdb(0x28, 0, 0, 0, 0, 0, 0, 0, 0));
        assertEquals(ScsiResult.GOOD, result.status);
        assertEquals(0, result.dataIn().remaining());
    }

    @Test
    void unknownOpcodeIsInvalidCommandOperationCode() {
        assertSense(run(cdb(0xc7)), SenseCode.INVALID_COMMAND_OPERATION_CODE);
    }

    @Test
    void inquiryVpdPagesCarryAStableIdentity() {
        byte[] supported = data(run(cdb(0x12, 0x01, 0x00, 0, 255)));
        assertArrayEquals(new byte[] {0x00, (byte) 0x80, (byte) 0x83, (byte) 0xb0, (byte) 0xb1, (byte) 0xb2},
                Arrays.copyOfRange(supported, 4, supported.length));

        byte[] serial = data(run(cdb(0x12, 0x01, 0x80, 0, 255)));
        assertEquals("123456789abcdef0", new String(serial, 4, 16, java.nio.charset.StandardCharsets.US_ASCII));

        byte[] ids = data(run(cdb(0x12, 0x01, 0x83, 0, 255)));
        assertEquals(0x83, ids[1] & 0xff);
        // First designator: NAA, binary, 8 bytes, locally assigned (NAA 3) followed by the id.
        assertEquals(0x01, ids[4]);
        assertEquals(0x03, ids[5]);
        assertEquals(8, ids[7]);
        assertEquals(0x3234_5678_9abc_def0L, ByteBuffer.wrap(ids, 8, 8).getLong());

        byte[] again = data(new BlockCommandProcessor(new MemoryUnit(BLOCKS * 512)).plan(PORT, cdb(0x12, 1, 0x83, 0, 255))
                .complete(null));
        assertArrayEquals(ids, again, "same unique id gives the same identification page");
    }

    @Test
    void inquiryHonoursTheAllocationLengthAndRejectsBadFields() {
        assertEquals(5, data(run(cdb(0x12, 0, 0, 0, 5))).length);
        assertSense(run(cdb(0x12, 0, 0x80, 0, 255)), SenseCode.INVALID_FIELD_IN_CDB);
        assertSense(run(cdb(0x12, 1, 0x99, 0, 255)), SenseCode.INVALID_FIELD_IN_CDB);
    }

    @Test
    void modeSenseReportsTheWriteCacheAndBlockDescriptor() {
        byte[] sense6 = data(run(cdb(0x1a, 0, 0x08, 0, 255)));
        assertEquals(sense6.length - 1, sense6[0] & 0xff);
        assertEquals(8, sense6[3]);
        assertEquals(BLOCKS, ByteBuffer.wrap(sense6).getInt(4));
        assertEquals(0x08, sense6[12]);
        assertEquals(0x04, sense6[14] & 0x04, "WCE set: writes are volatile until SYNCHRONIZE CACHE");

        byte[] sense10 = data(run(cdb(0x5a, 0x08, 0x3f, 0, 0, 0, 0, 1, 0)));
        assertEquals(sense10.length - 2, ByteBuffer.wrap(sense10).getShort(0));
        assertEquals(0, ByteBuffer.wrap(sense10).getShort(6), "DBD: no block descriptor");
        assertSense(run(cdb(0x1a, 0, 0xc8, 0, 255)), SenseCode.SAVING_PARAMETERS_NOT_SUPPORTED);
    }

    @Test
    void reportLunsListsLunZero() {
        byte[] luns = data(run(cdb(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16)));
        assertEquals(16, luns.length);
        assertEquals(8, ByteBuffer.wrap(luns).getInt(0));
        assertSense(run(cdb(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 8)), SenseCode.INVALID_FIELD_IN_CDB);
    }

    @Test
    void readOnlyUnitRefusesWrites() {
        BlockCommandProcessor readOnly = new BlockCommandProcessor(new MemoryUnit(BLOCKS * 512, 1, true));
        assertSense(readOnly.plan(PORT, cdb(0x2a, 0, 0, 0, 0, 0, 0, 0, 1)).complete(null), SenseCode.WRITE_PROTECTED);
        byte[] header = data(readOnly.plan(PORT, cdb(0x1a, 0, 0x3f, 0, 255)).complete(null));
        assertEquals(0x80, header[2] & 0x80, "WP bit");
    }

    @Test
    void missingLunAnswersInquiryAndRefusesTheRest() {
        ScsiResult inquiry = BlockCommandProcessor.planForMissingLun(cdb(0x12, 0, 0, 0, 36)).complete(null);
        assertEquals(0x7f, data(inquiry)[0] & 0xff);
        assertSense(BlockCommandProcessor.planForMissingLun(cdb(0x00)).complete(null),
                SenseCode.LOGICAL_UNIT_NOT_SUPPORTED);
        assertNull(inquiry.sense);
    }
}
