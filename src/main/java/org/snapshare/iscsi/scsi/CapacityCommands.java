package org.snapshare.iscsi.scsi;

/** READ CAPACITY (10) and (16) (SBC-3, 5.15 and 5.16). */
final class CapacityCommands {

    private static final int READ_CAPACITY_16 = 0x10;

    private CapacityCommands() {
    }

    static ScsiResult readCapacity10(DeviceInfo device) {
        byte[] data = new byte[8];
        long lastLba = device.blockCount - 1;
        // A device past 2^32 blocks answers 0xffffffff so the initiator asks READ CAPACITY (16).
        Cdb.put32(data, 0, Math.min(lastLba, 0xffffffffL));
        Cdb.put32(data, 4, device.blockSize);
        return ScsiResult.good(data, data.length);
    }

    static ScsiResult serviceActionIn16(DeviceInfo device, byte[] cdb) throws ScsiException {
        int serviceAction = Cdb.u8(cdb, 1) & 0x1f;
        if (serviceAction != READ_CAPACITY_16) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB,
                    "SERVICE ACTION IN(16) action 0x" + Integer.toHexString(serviceAction));
        }
        byte[] data = new byte[32];
        Cdb.put64(data, 0, device.blockCount - 1);
        Cdb.put32(data, 8, device.blockSize);
        return ScsiResult.good(data, (int) Math.min(Cdb.u32(cdb, 10), Integer.MAX_VALUE));
    }
}
