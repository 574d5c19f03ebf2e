package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.snapshare.iscsi.scsi.ScsiCommands.assertSense;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.snapshare.testing.MemoryUnit;

/** APTPL: registrations and the reservation outlive a restart when, and only while, an initiator asks. */
class ReservationPersistenceTest {

    private static final String ONE = "iqn.2026-11.test:one,i,0x230000000001";
    private static final String TWO = "iqn.2026-11.test:two,i,0x230000000002";
    private static final byte[] WRITE_10 = cdb(0x2a, 0, 0, 0, 0, 0, 0, 0, 1);

    private final MemoryUnit unit = new MemoryUnit(64 * 512);
    private final MemoryReservationStore store = new MemoryReservationStore();

    private static ScsiResult out(BlockCommandProcessor processor, String port, int serviceAction, int type, long key,
            long serviceActionKey, int flags) {
        return ScsiCommands.reserveOut(processor, port, serviceAction, type, key, serviceActionKey, flags);
    }

    private static byte[] in(BlockCommandProcessor processor, int serviceAction) {
        return ScsiCommands.reserveIn(processor, ONE, serviceAction);
    }

    @Test
    void aptplStateSurvivesARestartAndEndsWhenARegisterDropsIt() throws IOException {
        BlockCommandProcessor before = BlockCommandProcessor.withReservationStore(unit, store, null);
        assertEquals(0x01, in(before, 2)[2] & 0x01, "PTPL_C: a store is there");
        assertEquals(ScsiResult.GOOD, out(before, ONE, 6, 0, 0, 0xa1, 0x01).status);   // APTPL
        assertEquals(ScsiResult.GOOD, out(before, TWO, 6, 0, 0, 0xb2, 0x01).status);
        assertEquals(ScsiResult.GOOD, out(before, ONE, 1, 1, 0xa1, 0, 0).status);      // write exclusive
        assertEquals(0x01, in(before, 2)[3] & 0x01, "PTPL_A: active");

        BlockCommandProcessor after = BlockCommandProcessor.withReservationStore(unit, store, null);   // the restart
        byte[] keys = in(after, 0);
        assertEquals(2, Cdb.u32(keys, 0), "generation kept (two registrations; RESERVE does not count)");
        assertEquals(16, Cdb.u32(keys, 4), "both keys kept");
        byte[] reservation = in(after, 1);
        assertEquals(0xa1, Cdb.u64(reservation, 8));
        assertEquals(1, reservation[21]);
        assertEquals(ScsiResult.RESERVATION_CONFLICT, after.plan(TWO, WRITE_10).complete(null).status);

        assertEquals(ScsiResult.GOOD, out(after, TWO, 6, 0, 0, 0xb2, 0).status);       // APTPL 0: not kept any more
        assertEquals("", store.state);
        BlockCommandProcessor again = BlockCommandProcessor.withReservationStore(unit, store, null);
        assertEquals(0, Cdb.u32(in(again, 0), 4), "nothing survives this restart");
    }

    @Test
    void withoutAStoreAptplIsRefusedAndADamagedStateStopsTheStart() {
        BlockCommandProcessor plain = new BlockCommandProcessor(unit);
        assertEquals(0, in(plain, 2)[2] & 0x01, "PTPL_C 0");
        assertSense(out(plain, ONE, 6, 0, 0, 0xa1, 0x01), SenseCode.INVALID_FIELD_IN_PARAMETER_LIST);

        store.state = "snapshare-reservations 1\ngeneration 2\nreservation 3 iqn.2026-11.test:nobody,i,0x1\n";
        IOException e = assertThrows(IOException.class, () -> BlockCommandProcessor.withReservationStore(unit, store, null));
        assertTrue(e.getMessage().contains("held by an unregistered port"), e.getMessage());
        store.state = "something else\n";
        assertThrows(IOException.class, () -> BlockCommandProcessor.withReservationStore(unit, store, null));
    }

    @Test
    void onlyChangesAreSaved() throws IOException {
        BlockCommandProcessor processor = BlockCommandProcessor.withReservationStore(unit, store, null);
        assertEquals(ScsiResult.GOOD, out(processor, ONE, 6, 0, 0, 0xa1, 0x01).status);
        assertEquals(ScsiResult.RESERVATION_CONFLICT, out(processor, TWO, 1, 1, 0x99, 0, 0).status);
        assertEquals(ScsiResult.GOOD, out(processor, ONE, 2, 1, 0xa1, 0, 0).status);  // release of nothing
        assertEquals(1, store.saves);
    }
}
