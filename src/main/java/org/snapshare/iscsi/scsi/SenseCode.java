package org.snapshare.iscsi.scsi;

import java.io.IOException;
import org.snapshare.snapshot.UnitUnavailableException;

/** The sense key / additional sense code pairs snapshare reports (SPC-4, annex D). */
public enum SenseCode {
    INVALID_COMMAND_OPERATION_CODE(0x5, 0x20, 0x00),
    LBA_OUT_OF_RANGE(0x5, 0x21, 0x00),
    INVALID_FIELD_IN_CDB(0x5, 0x24, 0x00),
    INVALID_FIELD_IN_INFORMATION_UNIT(0x5, 0x0e, 0x03),
    LOGICAL_UNIT_NOT_SUPPORTED(0x5, 0x25, 0x00),
    PARAMETER_LIST_LENGTH_ERROR(0x5, 0x1a, 0x00),
    INVALID_FIELD_IN_PARAMETER_LIST(0x5, 0x26, 0x00),
    INVALID_RELEASE_OF_PERSISTENT_RESERVATION(0x5, 0x26, 0x04),
    SAVING_PARAMETERS_NOT_SUPPORTED(0x5, 0x39, 0x00),
    WRITE_PROTECTED(0x7, 0x27, 0x00),
    POWER_ON_OR_RESET(0x6, 0x29, 0x00),
    LOGICAL_UNIT_RESET(0x6, 0x29, 0x03),
    MODE_PARAMETERS_CHANGED(0x6, 0x2a, 0x01),
    RESERVATIONS_PREEMPTED(0x6, 0x2a, 0x03),
    RESERVATIONS_RELEASED(0x6, 0x2a, 0x04),
    REGISTRATIONS_PREEMPTED(0x6, 0x2a, 0x05),
    ASYMMETRIC_ACCESS_STATE_CHANGED(0x6, 0x2a, 0x06),
    CAPACITY_DATA_HAS_CHANGED(0x6, 0x2a, 0x09),
    /** NOT READY, LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION: initiators retry it. */
    ASYMMETRIC_ACCESS_STATE_TRANSITION(0x2, 0x04, 0x0a),
    UNRECOVERED_READ_ERROR(0x3, 0x11, 0x00),
    WRITE_ERROR(0x3, 0x0c, 0x00),
    DATA_PHASE_ERROR(0xb, 0x4b, 0x00),
    INSUFFICIENT_REGISTRATION_RESOURCES(0x5, 0x55, 0x04),
    MISCOMPARE_DURING_VERIFY(0xe, 0x1d, 0x00),
    NO_SENSE(0x0, 0x00, 0x00);

    public final int key;
    public final int asc;
    public final int ascq;

    SenseCode(int key, int asc, int ascq) {
        this.key = key;
        this.asc = asc;
        this.ascq = ascq;
    }

    /**
     * The sense for a command the unit failed with {@code failure}: a retryable
     * state transition when the volume's cluster lock is elsewhere or lost
     * (nothing was done, the command can be retried here or on another path),
     * else {@code mediumError}.
     */
    public static SenseCode forFailure(IOException failure, SenseCode mediumError) {
        return failure instanceof UnitUnavailableException ? ASYMMETRIC_ACCESS_STATE_TRANSITION : mediumError;
    }

    /** Fixed-format sense data (SPC-4, 4.5.3), current error, 18 bytes. */
    public byte[] fixedFormat() {
        byte[] sense = new byte[18];
        sense[0] = 0x70;
        sense[2] = (byte) key;
        sense[7] = 10; // additional sense length: bytes 8..17
        sense[12] = (byte) asc;
        sense[13] = (byte) ascq;
        return sense;
    }

    /** Fixed-format sense whose sense-key specific bytes point at CDB byte {@code cdbByte} (SPC-4, 4.5.2.4.2). */
    public byte[] withFieldPointer(int cdbByte) {
        byte[] sense = fixedFormat();
        sense[15] = (byte) 0xc0; // SKSV, C/D: the field is in the CDB
        Cdb.put16(sense, 16, cdbByte);
        return sense;
    }

    /** Fixed-format sense with the INFORMATION field set (VALID bit), e.g. the offset of a miscompare. */
    public byte[] fixedFormat(long information) {
        byte[] sense = fixedFormat();
        sense[0] |= (byte) 0x80;
        Cdb.put32(sense, 3, information);
        return sense;
    }
}
