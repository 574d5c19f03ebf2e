package org.snapshare.iscsi.scsi;

import java.nio.ByteBuffer;
import org.snapshare.snapshot.LogicalUnit;

/**
 * ORWRITE (16) (SBC-3, 5.9): each block of data-out is ORed into the block on
 * the medium, atomically per command, as COMPARE AND WRITE is.
 */
final class OrWriteCommand {

    private final LogicalUnit unit;
    private final DeviceInfo device;

    OrWriteCommand(LogicalUnit unit, DeviceInfo device) {
        this.unit = unit;
        this.device = device;
    }

    CommandPlan execute(byte[] cdb) throws ScsiException {
        if ((Cdb.u8(cdb, 1) & 0xe0) != 0) {
            throw ScsiException.invalidField(1, "ORPROTECT: protection information is not supported");
        }
        BlockRange range = BlockRange.ofSized(cdb);
        device.checkRange(range, DeviceInfo.MAX_TRANSFER_BLOCKS);
        device.checkWritable();
        boolean forceUnitAccess = (Cdb.u8(cdb, 1) & 0x08) != 0;
        int length = range.byteLength(device.blockSize);
        return DataOutPlan.of(length, dataOut -> {
            if (length > 0) {
                unit.readModifyWrite(range.lba * device.blockSize, length, current -> or(current, dataOut));
                if (device.mustFlush(forceUnitAccess)) {
                    unit.flush();
                }
            }
            return ScsiResult.good();
        });
    }

    private static ByteBuffer or(ByteBuffer current, ByteBuffer mask) {
        ByteBuffer result = ByteBuffer.allocate(current.remaining());
        for (int i = 0; i < result.capacity(); i++) {
            result.put(i, (byte) (current.get(current.position() + i) | mask.get(mask.position() + i)));
        }
        return result;
    }
}
