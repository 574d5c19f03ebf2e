package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.LogicalUnit;

/** READ/WRITE (6/10/12/16) and SYNCHRONIZE CACHE (10/16) (SBC-3). */
final class ReadWriteCommands {

    private static final Logger LOG = LoggerFactory.getLogger(ReadWriteCommands.class);

    private final LogicalUnit unit;
    private final DeviceInfo device;

    ReadWriteCommands(LogicalUnit unit, DeviceInfo device) {
        this.unit = unit;
        this.device = device;
    }

    ScsiResult read(byte[] cdb) throws ScsiException {
        BlockRange range = BlockRange.ofReadWrite(cdb);
        rejectProtectionInformation(cdb);
        check(range);
        DataBuffers.Lease data = DataBuffers.SHARED.tryTake(range.byteLength(device.blockSize));
        if (data == null) {
            return ScsiResult.taskSetFull();
        }
        try {
            unit.read(range.lba * device.blockSize, data.data().duplicate());
        } catch (RuntimeException e) {
            data.release();
            throw e;
        } catch (IOException e) {
            data.release();
            LOG.error("read of {} blocks at LBA {} failed", range.blocks, range.lba, e);
            throw new ScsiException(SenseCode.forFailure(e, SenseCode.UNRECOVERED_READ_ERROR), e.getMessage());
        }
        return ScsiResult.good(data);
    }

    CommandPlan write(byte[] cdb) throws ScsiException {
        BlockRange range = BlockRange.ofReadWrite(cdb);
        rejectProtectionInformation(cdb);
        check(range);
        device.checkWritable();
        boolean forceUnitAccess = Cdb.u8(cdb, 0) != 0x0a && (Cdb.u8(cdb, 1) & 0x08) != 0;
        return new WritePlan(range.lba, range.blocks, forceUnitAccess);
    }

    /** A write of whole blocks; it may be cut to fewer whole blocks, never to part of one. */
    private final class WritePlan implements CommandPlan {
        private final long lba;
        private final long blocks;
        private final boolean forceUnitAccess;

        WritePlan(long lba, long blocks, boolean forceUnitAccess) {
            this.lba = lba;
            this.blocks = blocks;
            this.forceUnitAccess = forceUnitAccess;
        }

        @Override
        public int dataOutLength() {
            return Math.toIntExact(blocks * device.blockSize);
        }

        @Override
        public CommandPlan limitTo(int bytes) {
            if (bytes % device.blockSize != 0) {
                return CommandPlan.super.limitTo(bytes);
            }
            return new WritePlan(lba, bytes / device.blockSize, forceUnitAccess);
        }

        @Override
        public ScsiResult complete(ByteBuffer dataOut) {
            try {
                unit.write(lba * device.blockSize, dataOut);
                if (device.mustFlush(forceUnitAccess)) {
                    unit.flush();
                }
                return ScsiResult.good();
            } catch (IOException e) {
                LOG.error("write of {} blocks at LBA {} failed", blocks, lba, e);
                return ScsiResult.checkCondition(SenseCode.forFailure(e, SenseCode.WRITE_ERROR));
            }
        }
    }

    ScsiResult synchronizeCache(byte[] cdb) throws ScsiException {
        check(BlockRange.ofSynchronizeCache(cdb));
        try {
            unit.flush();
            return ScsiResult.good();
        } catch (IOException e) {
            LOG.error("flush failed", e);
            throw new ScsiException(SenseCode.forFailure(e, SenseCode.WRITE_ERROR), e.getMessage());
        }
    }

    private void check(BlockRange range) throws ScsiException {
        device.checkRange(range, DeviceInfo.MAX_TRANSFER_BLOCKS);
    }

    private static void rejectProtectionInformation(byte[] cdb) throws ScsiException {
        if (Cdb.u8(cdb, 0) != 0x08 && Cdb.u8(cdb, 0) != 0x0a && (Cdb.u8(cdb, 1) & 0xe0) != 0) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "protection information is not supported");
        }
    }
}
