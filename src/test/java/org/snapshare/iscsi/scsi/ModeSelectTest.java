package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.snapshare.iscsi.scsi.ScsiCommands.assertSense;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;
import static org.snapshare.iscsi.scsi.ScsiCommands.data;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.snapshare.testing.MemoryUnit;

/** MODE SELECT turns the write cache off (writes then flush) and refuses every other change. */
class ModeSelectTest {

    private static final String PORT = "iqn.2026-11.test:initiator,i,0x000000000001";
    private final MemoryUnit unit = new MemoryUnit(64 * 512);
    private final BlockCommandProcessor processor = new BlockCommandProcessor(unit);

    /** MODE SENSE (6) of the caching page without block descriptors: 4-byte header, then the page. */
    private byte[] cachingPage(int pageControl) {
        byte[] sense = data(ScsiCommands.run(processor, PORT, cdb(0x1a, 0x08, (pageControl << 6) | 0x08, 0, 255),
                new byte[0]));
        return Arrays.copyOfRange(sense, 4, sense.length);
    }

    private ScsiResult select(int flags, byte[] page) {
        byte[] list = new byte[4 + page.length];
        System.arraycopy(page, 0, list, 4, page.length);
        return ScsiCommands.run(processor, PORT, cdb(0x15, flags, 0, 0, list.length), list);
    }

    @Test
    void writeCacheOffMakesEveryWriteFlush() {
        assertEquals(0x04, cachingPage(0)[2], "WCE on by default");
        assertEquals(0x04, cachingPage(1)[2], "WCE is the changeable bit");
        byte[] page = cachingPage(0);
        page[2] = 0;
        assertEquals(ScsiResult.GOOD, select(0x10, page).status);
        assertEquals(0, cachingPage(0)[2], "WCE now off");

        int flushes = unit.flushes.get();
        assertEquals(ScsiResult.GOOD,
                ScsiCommands.run(processor, PORT, cdb(0x2a, 0, 0, 0, 0, 1, 0, 0, 1), new byte[512]).status);
        assertEquals(flushes + 1, unit.flushes.get(), "a write with the cache off is flushed before GOOD");
    }

    @Test
    void changesToOtherBitsSavingAndUnknownPagesAreRefused() {
        byte[] page = cachingPage(0);
        page[3] = 1;
        assertSense(select(0x10, page), SenseCode.INVALID_FIELD_IN_PARAMETER_LIST);
        assertSense(processor.plan(PORT, cdb(0x15, 0x11, 0, 0, 24)).complete(null), SenseCode.INVALID_FIELD_IN_CDB);
        assertSense(select(0x10, new byte[] {0x19, 2, 0, 0}), SenseCode.INVALID_FIELD_IN_PARAMETER_LIST);
        assertSense(select(0x10, new byte[] {0x08, 18, 0}), SenseCode.PARAMETER_LIST_LENGTH_ERROR);
        assertEquals(0x04, cachingPage(0)[2], "nothing changed");
    }
}
