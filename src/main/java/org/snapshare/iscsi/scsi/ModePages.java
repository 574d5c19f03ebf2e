package org.snapshare.iscsi.scsi;

import java.io.ByteArrayOutputStream;

/**
 * The mode pages of a logical unit (SPC-4, 7.5; SBC-3, 6.4): caching,
 * control and informational exceptions, as current values or as the mask of
 * changeable bits. Only WCE (write cache enable) can be changed.
 */
final class ModePages {

    static final int CACHING = 0x08;
    static final int CONTROL = 0x0a;
    static final int INFORMATIONAL_EXCEPTIONS = 0x1c;
    static final int ALL_PAGES = 0x3f;
    static final int WCE = 0x04;

    private final DeviceInfo device;

    ModePages(DeviceInfo device) {
        this.device = device;
    }

    /** The page {@code pageCode} (or all of them), current values or the changeable mask; null if unknown. */
    byte[] pages(int pageCode, boolean changeableMask) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (pageCode == CACHING || pageCode == ALL_PAGES) {
            byte[] page = new byte[20];
            page[0] = CACHING;
            page[1] = 18;
            page[2] = (byte) (changeableMask || device.writeCacheEnabled() ? WCE : 0);
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
        return out.size() == 0 ? null : out.toByteArray();
    }
}
