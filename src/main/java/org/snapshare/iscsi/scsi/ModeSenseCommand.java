package org.snapshare.iscsi.scsi;

/**
 * MODE SENSE (6) and (10) (SPC-4, 6.11 and 6.12) of {@link ModePages}. The
 * caching page reports the write cache enabled (WCE=1) by default: writes
 * reach the OS page cache and are durable only after SYNCHRONIZE CACHE or
 * FUA, which is what the initiator must be told. MODE SELECT may turn it off.
 */
final class ModeSenseCommand {

    private static final int ALL_PAGES = ModePages.ALL_PAGES;
    private static final int PC_CHANGEABLE = 1;
    private static final int PC_SAVED = 3;

    private final DeviceInfo device;
    private final ModePages modePages;

    ModeSenseCommand(DeviceInfo device, ModePages modePages) {
        this.device = device;
        this.modePages = modePages;
    }

    ScsiResult execute(byte[] cdb) throws ScsiException {
        boolean ten = Cdb.u8(cdb, 0) == 0x5a;
        boolean disableBlockDescriptors = (Cdb.u8(cdb, 1) & 0x08) != 0;
        int pageControl = Cdb.u8(cdb, 2) >>> 6;
        int pageCode = Cdb.u8(cdb, 2) & 0x3f;
        int subpage = Cdb.u8(cdb, 3);
        int allocationLength = ten ? Cdb.u16(cdb, 7) : Cdb.u8(cdb, 4);
        if (pageControl == PC_SAVED) {
            throw new ScsiException(SenseCode.SAVING_PARAMETERS_NOT_SUPPORTED, "saved mode pages");
        }
        if (subpage != 0 && !(pageCode == ALL_PAGES && subpage == 0xff)) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "mode subpage " + subpage);
        }
        byte[] pages = pages(pageCode, pageControl == PC_CHANGEABLE);
        byte[] descriptor = disableBlockDescriptors ? new byte[0] : blockDescriptor();
        byte[] data = ten ? header10(pages, descriptor) : header6(pages, descriptor);
        return ScsiResult.good(data, allocationLength);
    }

    private byte[] pages(int pageCode, boolean changeableMask) throws ScsiException {
        byte[] pages = modePages.pages(pageCode, changeableMask);
        if (pages == null) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "mode page 0x" + Integer.toHexString(pageCode));
        }
        return pages;
    }

    private byte[] blockDescriptor() {
        byte[] descriptor = new byte[8];
        Cdb.put32(descriptor, 0, Math.min(device.blockCount, 0xffffffffL));
        Cdb.put32(descriptor, 4, device.blockSize); // byte 4 (density) stays 0 below 2^24
        return descriptor;
    }

    private int deviceSpecific() {
        return (device.readOnly ? 0x80 : 0) | 0x10; // WP, DPOFUA: FUA is honoured
    }

    private byte[] header6(byte[] pages, byte[] descriptor) {
        byte[] data = new byte[4 + descriptor.length + pages.length];
        data[0] = (byte) (data.length - 1);
        data[2] = (byte) deviceSpecific();
        data[3] = (byte) descriptor.length;
        System.arraycopy(descriptor, 0, data, 4, descriptor.length);
        System.arraycopy(pages, 0, data, 4 + descriptor.length, pages.length);
        return data;
    }

    private byte[] header10(byte[] pages, byte[] descriptor) {
        byte[] data = new byte[8 + descriptor.length + pages.length];
        Cdb.put16(data, 0, data.length - 2);
        data[3] = (byte) deviceSpecific();
        Cdb.put16(data, 6, descriptor.length);
        System.arraycopy(descriptor, 0, data, 8, descriptor.length);
        System.arraycopy(pages, 0, data, 8 + descriptor.length, pages.length);
        return data;
    }
}
