package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.snapshare.iscsi.scsi.ScsiCommands.assertSense;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;
import static org.snapshare.iscsi.scsi.ScsiCommands.data;

import org.junit.jupiter.api.Test;
import org.snapshare.testing.MemoryUnit;

/** Persistent reservations and RESERVE/RELEASE between two initiator ports of one logical unit. */
class ReservationsTest {

    private static final String ONE = "iqn.2026-11.test:one,i,0x230000000001";
    private static final String TWO = "iqn.2026-11.test:two,i,0x230000000002";
    private static final byte[] READ_10 = cdb(0x28, 0, 0, 0, 0, 0, 0, 0, 1);
    private static final byte[] WRITE_10 = cdb(0x2a, 0, 0, 0, 0, 0, 0, 0, 1);
    private static final byte[] INQUIRY = cdb(0x12, 0, 0, 0, 96);

    private final BlockCommandProcessor processor = new BlockCommandProcessor(new MemoryUnit(64 * 512));

    private int status(String port, byte[] cdb) {
        int dataOut = processor.plan(port, cdb).dataOutLength();
        return ScsiCommands.run(processor, port, cdb, new byte[dataOut]).status;
    }

    private ScsiResult out(String port, int serviceAction, int type, long key, long serviceActionKey, int flags) {
        return ScsiCommands.reserveOut(processor, port, serviceAction, type, key, serviceActionKey, flags);
    }

    private void outGood(String port, int serviceAction, int type, long key, long serviceActionKey) {
        assertEquals(ScsiResult.GOOD, out(port, serviceAction, type, key, serviceActionKey, 0).status);
    }

    private byte[] in(int serviceAction) {
        return ScsiCommands.reserveIn(processor, ONE, serviceAction);
    }

    @Test
    void writeExclusiveLetsOthersReadButNotWriteAndEndsWithItsHolder() {
        outGood(ONE, 6, 0, 0, 0xaaaa);            // REGISTER AND IGNORE EXISTING KEY
        outGood(TWO, 6, 0, 0, 0xbbbb);
        outGood(ONE, 1, 1, 0xaaaa, 0);            // RESERVE, write exclusive
        assertEquals(ScsiResult.GOOD, status(TWO, READ_10));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, status(TWO, WRITE_10));
        assertEquals(ScsiResult.GOOD, status(ONE, WRITE_10));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, out(TWO, 1, 1, 0xbbbb, 0, 0).status);
        assertEquals(ScsiResult.RESERVATION_CONFLICT, out(TWO, 0, 0, 0x1234, 0, 0).status); // wrong key

        byte[] reservation = in(1);
        assertEquals(16, Cdb.u32(reservation, 4));
        assertEquals(0xaaaa, Cdb.u64(reservation, 8));
        assertEquals(1, reservation[21]);

        outGood(ONE, 0, 0, 0xaaaa, 0);            // unregistering the holder releases
        assertEquals(8, in(1).length);
        assertEquals(ScsiResult.GOOD, status(TWO, WRITE_10));
        byte[] keys = in(0);
        assertEquals(8, Cdb.u32(keys, 4));
        assertEquals(0xbbbb, Cdb.u64(keys, 8));
        assertEquals(3, Cdb.u32(keys, 0), "generation: two registrations and one removal");
    }

    @Test
    void allRegistrantsReservationOutlivesItsCreatorAndShutsOutTheUnregistered() {
        outGood(ONE, 6, 0, 0, 1);
        outGood(TWO, 6, 0, 0, 2);
        outGood(ONE, 1, 8, 1, 0);                 // exclusive access, all registrants
        assertEquals(0, Cdb.u64(in(1), 8), "all-registrants reservations report key 0");
        outGood(ONE, 0, 0, 1, 0);
        assertEquals(8, in(1)[21]);
        assertEquals(ScsiResult.GOOD, status(TWO, WRITE_10));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, status(ONE, READ_10));
        assertEquals(ScsiResult.GOOD, status(ONE, INQUIRY));
        outGood(TWO, 2, 8, 2, 0);                 // any registrant releases it
        assertEquals(ScsiResult.GOOD, status(ONE, READ_10));
    }

    @Test
    void preemptRemovesTheHolderAndTakesTheReservation() {
        outGood(ONE, 6, 0, 0, 1);
        outGood(TWO, 6, 0, 0, 2);
        outGood(ONE, 1, 3, 1, 0);                 // exclusive access
        assertEquals(ScsiResult.RESERVATION_CONFLICT, status(TWO, READ_10));
        assertSense(out(TWO, 4, 1, 2, 0, 0), SenseCode.INVALID_FIELD_IN_PARAMETER_LIST);
        outGood(TWO, 4, 1, 2, 1);                 // PREEMPT key 1, now write exclusive
        assertEquals(ScsiResult.RESERVATION_CONFLICT, status(ONE, WRITE_10));
        assertEquals(ScsiResult.GOOD, status(ONE, READ_10));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 2}, java.util.Arrays.copyOfRange(in(0), 8, 16));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, out(ONE, 3, 0, 1, 0, 0).status); // CLEAR needs a registration
        outGood(TWO, 3, 0, 2, 0);
        assertEquals(0, Cdb.u32(in(0), 4));
    }

    @Test
    void releaseOfAnotherTypeAndUnsupportedOptionsAreRefused() {
        outGood(ONE, 6, 0, 0, 7);
        outGood(ONE, 1, 1, 7, 0);
        assertSense(out(ONE, 2, 3, 7, 0, 0), SenseCode.INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
        assertSense(out(ONE, 0, 0, 7, 9, 0x01), SenseCode.INVALID_FIELD_IN_PARAMETER_LIST); // APTPL
        assertSense(processor.plan(ONE, cdb(0x5f, 0, 0, 0, 0, 0, 0, 0, 32)).complete(null),
                SenseCode.PARAMETER_LIST_LENGTH_ERROR);
        assertSense(processor.plan(ONE, cdb(0x5f, 1, 2, 0, 0, 0, 0, 0, 24)).complete(null),
                SenseCode.INVALID_FIELD_IN_CDB); // type 2 does not exist
        byte[] status = in(3);
        assertEquals(0x01, status[8 + 12], "R_HOLDER");
        String transportId = new String(status, 8 + 24 + 4, ONE.length(), java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(ONE, transportId);
    }

    @Test
    void reserveSixShutsOutOtherPortsUntilReleaseOrNexusLoss() {
        byte[] reserve = cdb(0x16, 0, 0, 0, 0, 0);
        byte[] release = cdb(0x17, 0, 0, 0, 0, 0);
        assertEquals(ScsiResult.GOOD, status(ONE, reserve));
        assertEquals(ScsiResult.GOOD, status(ONE, reserve));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, status(TWO, reserve));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, status(TWO, cdb(0x00, 0, 0, 0, 0, 0)));
        assertEquals(ScsiResult.GOOD, status(TWO, INQUIRY));
        assertEquals(ScsiResult.GOOD, status(TWO, release), "another port's RELEASE is a no-op");
        assertEquals(ScsiResult.RESERVATION_CONFLICT, status(TWO, READ_10));
        processor.nexusLost(ONE);
        assertEquals(ScsiResult.GOOD, status(TWO, reserve));
        processor.reset(false);
        assertEquals(ScsiResult.GOOD, status(ONE, WRITE_10));
    }

    @Test
    void resetsAndPreemptionsAreReportedOnceAsUnitAttentions() {
        processor.nexusStarted(ONE);
        processor.nexusStarted(TWO);
        processor.reset(false);
        byte[] sense = data(ScsiCommands.run(processor, ONE, cdb(0x03, 0, 0, 0, 18, 0), new byte[0]));
        assertEquals(0x06, sense[2], "REQUEST SENSE returns the UNIT ATTENTION");
        assertEquals(0x29, sense[12]);
        assertEquals(ScsiResult.GOOD, status(ONE, READ_10), "and clears it");
        assertEquals(ScsiResult.GOOD, status(TWO, INQUIRY), "INQUIRY does not report it");
        assertSense(processor.plan(TWO, READ_10).complete(null), SenseCode.LOGICAL_UNIT_RESET);
        assertEquals(ScsiResult.GOOD, status(TWO, READ_10));

        outGood(ONE, 6, 0, 0, 1);
        outGood(TWO, 6, 0, 0, 2);
        outGood(ONE, 1, 3, 1, 0);
        outGood(TWO, 5, 3, 2, 1);                 // PREEMPT AND ABORT
        assertSense(processor.plan(ONE, READ_10).complete(null), SenseCode.REGISTRATIONS_PREEMPTED);
        assertEquals(ScsiResult.RESERVATION_CONFLICT, status(ONE, READ_10));

        outGood(ONE, 6, 0, 0, 1);
        outGood(TWO, 2, 3, 2, 0);                 // TWO releases its exclusive-access reservation: no one told
        assertEquals(ScsiResult.GOOD, status(ONE, READ_10));
        outGood(TWO, 1, 6, 2, 0);                 // exclusive access, registrants only
        outGood(TWO, 2, 6, 2, 0);
        assertSense(processor.plan(ONE, READ_10).complete(null), SenseCode.RESERVATIONS_RELEASED);
    }

    /** Issue 25: every initiator port may register, so the table is bounded (and so is the APTPL file). */
    @Test
    void registrationsAreBoundedAndAPlaceFreesWhenOneUnregisters() {
        for (int i = 0; i < Reservations.MAX_REGISTRATIONS; i++) {
            outGood(port(i), 6, 0, 0, 0x1000 + i);
        }
        ScsiResult refused = out(port(-1), 6, 0, 0, 0x9999, 0);
        assertSense(refused, SenseCode.INSUFFICIENT_REGISTRATION_RESOURCES);
        outGood(port(0), 6, 0, 0, 0x2000);         // a registered port may change its key
        outGood(port(0), 0, 0, 0x2000, 0);          // and unregister
        outGood(port(-1), 6, 0, 0, 0x9999);         // which frees a place
    }

    /** Issue 25: a read-only target is shared by all its readers, so nobody may reserve it or change its cache. */
    @Test
    void aReadOnlyUnitRefusesReservationsAndModeSelect() {
        BlockCommandProcessor readOnly = new BlockCommandProcessor(new MemoryUnit(64 * 512, 7, true));
        // refused before its data-out is asked for, as writes to the unit are
        assertSense(ScsiCommands.run(readOnly, ONE, cdb(0x5f, 6, 0, 0, 0, 0, 0, 0, 24), new byte[0]),
                SenseCode.WRITE_PROTECTED);
        assertSense(ScsiCommands.run(readOnly, ONE, cdb(0x16, 0, 0, 0, 0, 0), new byte[0]), SenseCode.WRITE_PROTECTED);
        assertSense(ScsiCommands.run(readOnly, ONE, cdb(0x15, 0x10, 0, 0, 12, 0), new byte[0]),
                SenseCode.WRITE_PROTECTED);
        assertEquals(ScsiResult.GOOD, ScsiCommands.run(readOnly, TWO, READ_10, new byte[0]).status);
    }

    private static String port(int i) {
        return "iqn.2026-11.test:many,i,0x23" + String.format("%010x", i & 0xffffffffL);
    }
}
