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

    /** SERVICE ACTION IN (16): READ CAPACITY (16) here, GET LBA STATUS in {@link ProvisioningCommands}. */
    static ScsiResult serviceActionIn16(DeviceInfo device, ProvisioningCommands provisioning, byte[] cdb)
            throws ScsiException {
        int serviceAction = Cdb.u8(cdb, 1) & 0x1f;
        if (serviceAction == ProvisioningCommands.GET_LBA_STATUS) {
            return provisioning.getLbaStatus(cdb);
        }
        if (serviceAction != READ_CAPACITY_16) {
            throw ScsiException.invalidField(1, "SERVICE ACTION IN(16) action 0x" + Integer.toHexString(serviceAction));
        }
        byte[] data = new byte[32];
        Cdb.put64(data, 0, device.blockCount - 1);
        Cdb.put32(data, 8, device.blockSize);
        if (device.thin) {
            data[14] = (byte) 0xc0; // LBPME, LBPRZ
        }
        return ScsiResult.good(data, (int) Math.min(Cdb.u32(cdb, 10), Integer.MAX_VALUE));
    }
}
