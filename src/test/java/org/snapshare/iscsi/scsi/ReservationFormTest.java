package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reservations file: a cluster's whole shared state reads back as written; damage is refused, named. */
class ReservationFormTest {

    private static final String PORT = "iqn.2026-11.test:one,i,0x230000000001";
    private static final ReservationState REGISTERED = new ReservationState(false, 3, Map.of(PORT, 0xabcL),
            Reservations.WRITE_EXCLUSIVE, PORT);

    @Test
    void aSharedStateReadsBackAsWritten() throws IOException {
        SharedUnitState state = new SharedUnitState(REGISTERED, new LegacyReservation(PORT, 2), List.of(
                new SharedAttention(7, 1, SenseCode.LOGICAL_UNIT_RESET, null),
                new SharedAttention(8, 2, SenseCode.REGISTRATIONS_PREEMPTED, PORT)));
        String text = ReservationForm.write(state);
        assertTrue(text.startsWith("snapshare-reservations 2\n"), text);
        assertEquals(state, ReservationForm.read(text));
    }

    @Test
    void persistentReservationsAloneKeepTheFirstVersionOlderBuildsRead() throws IOException {
        String text = ReservationForm.write(SharedUnitState.of(REGISTERED));
        assertTrue(text.startsWith("snapshare-reservations 1\n"), text);
        assertEquals(SharedUnitState.of(REGISTERED), ReservationForm.read(text));
    }

    @Test
    void damageIsRefusedWithWhatIsWrong() {
        String good = ReservationForm.write(SharedUnitState.of(REGISTERED));
        IOException unknownCode = assertThrows(IOException.class,
                () -> ReservationForm.read(good + "attention 9 1 NO_SUCH_CODE *\n"));
        assertTrue(unknownCode.getMessage().contains("NO_SUCH_CODE"), unknownCode.getMessage());
        assertThrows(IOException.class, () -> ReservationForm.read(good + "attention 9 1\n"));
        assertThrows(IOException.class, () -> ReservationForm.read(good + "legacy x " + PORT + "\n"));
        IOException tooLong = assertThrows(IOException.class,
                () -> ReservationForm.read(good + "generation 1\n".repeat(2000)));
        assertTrue(tooLong.getMessage().contains("lines"), tooLong.getMessage());
        assertThrows(IOException.class, () -> ReservationForm.read("snapshare-reservations 3\n"));
    }
}
