package org.snapshare.iscsi.scsi;

import java.io.ByteArrayOutputStream;

/**
 * MODE SENSE (6) and (10) (SPC-4, 6.11 and 6.12) with the caching, control
 * and informational exceptions pages. The caching page reports the write
 * cache enabled (WCE=1): writes reach the OS page cache and are durable only
 * after SYNCHRONIZE CACHE or FUA, which is what the initiator must be told.
 */
final class ModeSenseCommand {

    private static final int CACHING = 0x08;
    private static final int CONTROL = 0x0a;
    private static final int INFORMATIONAL_EXCEPTIONS = 0x1c;
    private static final int ALL_PAGES = 0x3f;
    private static final int PC_CHANGEABLE = 1;
    private static final int PC_SAVED = 3;

    private final DeviceInfo device;

    ModeSenseCommand(DeviceInfo device) {
        this.device = device;
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (pageCode == CACHING || pageCode == ALL_PAGES) {
            byte[] page = new byte[20];
            page[0] = CACHING;
            page[1] = 18;
            page[2] = (byte) (changeableMask ? 0 : 0x04); // WCE
            out.writeBytes(page);
        }
        if (pageCode == CONTROL || pageCode == ALL_PAGES) {
            byte[] page = new byte[12];
            page[0] = CONTROL;
            page[1] = 10;
            page[3] = (byte) (changeableMask ? 0 : 0x10); // unrestricted reordering allowed
            out.writeBytes(page);
        }
        if (pageCode == INFORMATIONAL_EXCEPTIONS || pageCode == ALL_PAGES) {
            byte[] page = new byte[12];
            page[0] = INFORMATIONAL_EXCEPTIONS;
            page[1] = 10;
            out.writeBytes(page);
        }
        if (out.size() == 0) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "mode page 0x" + Integer.toHexString(pageCode));
        }
        return out.toByteArray();
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
