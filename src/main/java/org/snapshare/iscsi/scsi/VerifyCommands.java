package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.LogicalUnit;

/**
 * VERIFY, WRITE AND VERIFY, WRITE SAME and PRE-FETCH (SBC-3), built on the
 * logical unit's read and write. Protection information is not supported.
 */
final class VerifyCommands {

    private static final Logger LOG = LoggerFactory.getLogger(VerifyCommands.class);

    private final LogicalUnit unit;
    private final DeviceInfo device;

    VerifyCommands(LogicalUnit unit, DeviceInfo device) {
        this.unit = unit;
        this.device = device;
    }

    /** VERIFY (10/12/16): BYTCHK 0 reads the blocks, 1 compares them with data-out, 3 with one block. */
    CommandPlan verify(byte[] cdb) throws ScsiException {
        BlockRange range = BlockRange.ofSized(cdb);
        noProtection(cdb);
        device.checkRange(range, DeviceInfo.MAX_TRANSFER_BLOCKS);
        int byteCheck = (Cdb.u8(cdb, 1) >>> 1) & 0x03;
        switch (byteCheck) {
            case 0:
                return CommandPlan.later(() -> readable(range));
            case 1:
                return DataOutPlan.of(range.byteLength(device.blockSize), dataOut -> compare(range, dataOut, false));
            case 3:
                return DataOutPlan.of(range.blocks == 0 ? 0 : device.blockSize, dataOut -> compare(range, dataOut, true));
            default:
                throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "BYTCHK 2 is reserved");
        }
    }

    /** WRITE AND VERIFY (10/12/16): the write, then (BYTCHK 1) a read-back compare. */
    CommandPlan writeAndVerify(byte[] cdb) throws ScsiException {
        BlockRange range = BlockRange.ofSized(cdb);
        noProtection(cdb);
        device.checkRange(range, DeviceInfo.MAX_TRANSFER_BLOCKS);
        device.checkWritable();
        return new WriteAndVerifyPlan(range, (Cdb.u8(cdb, 1) & 0x02) != 0);
    }

    /** Like WRITE, it may be cut to fewer whole blocks when the initiator sends less (a residual overflow). */
    private final class WriteAndVerifyPlan implements CommandPlan {
        private final BlockRange range;
        private final boolean byteCheck;

        WriteAndVerifyPlan(BlockRange range, boolean byteCheck) {
            this.range = range;
            this.byteCheck = byteCheck;
        }

        @Override
        public int dataOutLength() {
            return range.byteLength(device.blockSize);
        }

        @Override
        public CommandPlan limitTo(int bytes) {
            if (bytes % device.blockSize != 0) {
                return CommandPlan.super.limitTo(bytes);
            }
            return new WriteAndVerifyPlan(BlockRange.of(range.lba, bytes / device.blockSize), byteCheck);
        }

        @Override
        public ScsiResult complete(ByteBuffer dataOut) {
            return DataOutPlan.run(data -> {
                unit.write(range.lba * device.blockSize, data.duplicate());
                unit.flush(); // verified means on the medium
                return byteCheck ? compare(range, data, false) : ScsiResult.good();
            }, dataOut);
        }
    }

    /**
     * WRITE SAME (10/16): one block of data-out (none with NDOB: zeros)
     * written over the range. With UNMAP on a thin unit, zeros are written by
     * deallocating; any other pattern is written as it is.
     */
    CommandPlan writeSame(byte[] cdb) throws ScsiException {
        BlockRange range = BlockRange.ofSized(cdb);
        noProtection(cdb);
        int flags = Cdb.u8(cdb, 1);
        if ((flags & 0x10) != 0) {
            throw ScsiException.invalidField(1, "ANCHOR: anchored blocks are not offered");
        }
        boolean unmap = (flags & 0x08) != 0;
        if (unmap && !device.thin) {
            throw ScsiException.invalidField(1, "UNMAP on a fully provisioned logical unit");
        }
        if (range.blocks == 0) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "WRITE SAME of 0 blocks (WSNZ is set)");
        }
        device.checkRange(range, DeviceInfo.MAX_WRITE_SAME_BLOCKS);
        device.checkWritable();
        boolean noDataOut = Cdb.u8(cdb, 0) == 0x93 && (flags & 0x01) != 0;
        // One block exactly: more or less data-out than that is the initiator's mistake, not a residual.
        return DataOutPlan.exact(noDataOut ? 0 : device.blockSize, dataOut -> {
            byte[] block = new byte[device.blockSize];
            if (!noDataOut) {
                dataOut.duplicate().get(block);
            }
            if (unmap && Arrays.equals(block, new byte[device.blockSize])) {
                unit.writeZeros(range.lba * device.blockSize, range.blocks * device.blockSize);
            } else {
                writeRepeated(range, block);
            }
            if (device.mustFlush(false)) {
                unit.flush();
            }
            return ScsiResult.good();
        });
    }

    private void writeRepeated(BlockRange range, byte[] block) throws IOException {
        int perWrite = (int) Math.min(range.blocks, 2048);
        ByteBuffer pattern = ByteBuffer.allocate(perWrite * device.blockSize);
        for (int i = 0; i < perWrite; i++) {
            pattern.put(block);
        }
        for (long done = 0; done < range.blocks; done += perWrite) {
            int blocks = (int) Math.min(perWrite, range.blocks - done);
            unit.write((range.lba + done) * device.blockSize, pattern.clear().limit(blocks * device.blockSize));
        }
    }

    /** COMPARE AND WRITE: data-out is the blocks to compare, then the blocks to write; atomic per the unit. */
    CommandPlan compareAndWrite(byte[] cdb) throws ScsiException {
        noProtection(cdb);
        BlockRange range = BlockRange.of(Cdb.u64(cdb, 2), Cdb.u8(cdb, 13));
        device.checkRange(range, DeviceInfo.MAX_COMPARE_AND_WRITE_BLOCKS);
        device.checkWritable();
        int length = range.byteLength(device.blockSize);
        boolean forceUnitAccess = (Cdb.u8(cdb, 1) & 0x08) != 0;
        // The halves split where the CDB says, so the transfer must be exactly both of them.
        return DataOutPlan.exact(2 * length, dataOut -> {
            if (length == 0) {
                return ScsiResult.good();
            }
            ByteBuffer expected = dataOut.slice(dataOut.position(), length);
            ByteBuffer replacement = dataOut.slice(dataOut.position() + length, length);
            long differs = unit.compareAndWrite(range.lba * device.blockSize, expected, replacement);
            if (differs >= 0) {
                return ScsiResult.checkCondition(SenseCode.MISCOMPARE_DURING_VERIFY, differs);
            }
            if (device.mustFlush(forceUnitAccess)) {
                unit.flush();
            }
            return ScsiResult.good();
        });
    }

    /** PRE-FETCH (10/16): the blocks are read into the page cache; GOOD once they are. */
    ScsiResult preFetch(byte[] cdb) throws ScsiException {
        BlockRange range = BlockRange.ofSized(cdb);
        device.checkRange(range, Long.MAX_VALUE);
        BlockRange capped = range.blocks > DeviceInfo.MAX_TRANSFER_BLOCKS
                ? BlockRange.of(range.lba, DeviceInfo.MAX_TRANSFER_BLOCKS) : range;
        return readable(capped);
    }

    private ScsiResult readable(BlockRange range) {
        try {
            unit.read(range.lba * device.blockSize, ByteBuffer.allocate(range.byteLength(device.blockSize)));
            return ScsiResult.good();
        } catch (IOException e) {
            LOG.error("verify of {} blocks at LBA {} failed", range.blocks, range.lba, e);
            return ScsiResult.checkCondition(SenseCode.forFailure(e, SenseCode.UNRECOVERED_READ_ERROR));
        }
    }

    /** MISCOMPARE with the offset of the first differing byte of data-out, or GOOD. */
    private ScsiResult compare(BlockRange range, ByteBuffer dataOut, boolean oneBlockForAll) throws IOException {
        ByteBuffer medium = ByteBuffer.allocate(range.byteLength(device.blockSize));
        unit.read(range.lba * device.blockSize, medium);
        byte[] actual = medium.array();
        ByteBuffer expected = dataOut.duplicate();
        for (int i = 0; i < actual.length; i++) {
            int at = oneBlockForAll ? i % device.blockSize : i;
            if (actual[i] != expected.get(expected.position() + at)) {
                return ScsiResult.checkCondition(SenseCode.MISCOMPARE_DURING_VERIFY, oneBlockForAll ? at : i);
            }
        }
        return ScsiResult.good();
    }

    private static void noProtection(byte[] cdb) throws ScsiException {
        if ((Cdb.u8(cdb, 1) & 0xe0) != 0) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "protection information is not supported");
        }
    }
}
