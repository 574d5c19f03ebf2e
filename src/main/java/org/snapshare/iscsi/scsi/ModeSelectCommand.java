package org.snapshare.iscsi.scsi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MODE SELECT (6) and (10) (SPC-4, 6.9 and 6.10). Every page sent must hold
 * the current values except for changeable bits, of which there is one: WCE
 * in the caching page. With it off, writes are flushed before they complete.
 * The setting lives until the server stops: saving (SP) is refused.
 */
final class ModeSelectCommand {

    private static final int PAGE_FORMAT = 0x10;
    private static final int SAVE_PAGES = 0x01;

    private final DeviceInfo device;
    private final ModePages modePages;
    private final UnitAttentions attentions;

    ModeSelectCommand(DeviceInfo device, ModePages modePages, UnitAttentions attentions) {
        this.device = device;
        this.modePages = modePages;
        this.attentions = attentions;
    }

    CommandPlan execute(String port, byte[] cdb) throws ScsiException {
        boolean ten = Cdb.u8(cdb, 0) == 0x55;
        int flags = Cdb.u8(cdb, 1);
        if ((flags & SAVE_PAGES) != 0) {
            throw ScsiException.invalidField(1, "SP: mode pages cannot be saved");
        }
        int listLength = ten ? Cdb.u16(cdb, 7) : Cdb.u8(cdb, 4);
        int headerLength = ten ? 8 : 4;
        if (listLength > 0 && listLength < headerLength) {
            throw new ScsiException(SenseCode.PARAMETER_LIST_LENGTH_ERROR,
                    "mode parameter list of " + listLength + " bytes is shorter than its header");
        }
        boolean pageFormat = (flags & PAGE_FORMAT) != 0;
        return DataOutPlan.of(listLength, dataOut -> {
            if (listLength > 0) {
                byte[] list = new byte[listLength];
                dataOut.duplicate().get(list);
                apply(port, parse(list, ten, pageFormat));
            }
            return ScsiResult.good();
        });
    }

    /** Checks the whole list first, so a bad page changes nothing; returns its pages. */
    private List<byte[]> parse(byte[] list, boolean ten, boolean pageFormat) throws ScsiException {
        int descriptorLength = ten ? Cdb.u16(list, 6) : Cdb.u8(list, 3);
        int at = (ten ? 8 : 4);
        if (at + descriptorLength > list.length) {
            throw new ScsiException(SenseCode.PARAMETER_LIST_LENGTH_ERROR, "block descriptors past the list");
        }
        if (descriptorLength != 0) {
            checkBlockDescriptor(list, at, descriptorLength);
        }
        at += descriptorLength;
        List<byte[]> pages = new ArrayList<>();
        if (at < list.length && !pageFormat) {
            throw ScsiException.invalidField(1, "mode pages without PF (page format)");
        }
        while (at < list.length) {
            if (list.length - at < 2 || at + 2 + Cdb.u8(list, at + 1) > list.length) {
                throw new ScsiException(SenseCode.PARAMETER_LIST_LENGTH_ERROR, "mode page cut short at byte " + at);
            }
            byte[] page = Arrays.copyOfRange(list, at, at + 2 + Cdb.u8(list, at + 1));
            checkPage(page);
            pages.add(page);
            at += page.length;
        }
        return pages;
    }

    private void checkBlockDescriptor(byte[] list, int at, int length) throws ScsiException {
        if (length != 8) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_PARAMETER_LIST, "block descriptor length " + length);
        }
        long blocks = Cdb.u32(list, at);
        long blockLength = Cdb.u32(list, at + 4) & 0xffffff;
        if ((blocks != 0 && blocks != Math.min(device.blockCount, 0xffffffffL)) || blockLength != device.blockSize) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_PARAMETER_LIST,
                    "block descriptor changes the capacity or block size");
        }
    }

    /** A page may differ from the current values only in changeable bits; subpages are not offered. */
    private void checkPage(byte[] page) throws ScsiException {
        int code = page[0] & 0x3f;
        boolean subpageFormat = (page[0] & 0x40) != 0;
        byte[] current = code == ModePages.ALL_PAGES || subpageFormat ? null : modePages.pages(code, false);
        if (current == null || current.length != page.length) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_PARAMETER_LIST,
                    "mode page 0x" + Integer.toHexString(code) + " of " + page.length + " bytes");
        }
        byte[] changeable = modePages.pages(code, true);
        for (int i = 2; i < page.length; i++) {
            if (((page[i] ^ current[i]) & ~changeable[i]) != 0) {
                throw new ScsiException(SenseCode.INVALID_FIELD_IN_PARAMETER_LIST,
                        "mode page 0x" + Integer.toHexString(code) + " byte " + i + " is not changeable");
            }
        }
    }

    /** Applies the pages; the other nexuses learn of a change by MODE PARAMETERS CHANGED. */
    private void apply(String port, List<byte[]> pages) {
        for (byte[] page : pages) {
            boolean writeCache = (page[2] & ModePages.WCE) != 0;
            if ((page[0] & 0x3f) == ModePages.CACHING && writeCache != device.writeCacheEnabled()) {
                device.writeCacheEnabled(writeCache);
                attentions.raise(SenseCode.MODE_PARAMETERS_CHANGED, port);
            }
        }
    }
}
