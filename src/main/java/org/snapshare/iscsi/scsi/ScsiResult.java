package org.snapshare.iscsi.scsi;

import java.nio.ByteBuffer;

/** The outcome of a SCSI command: status, sense data on error, data-in on success. */
public final class ScsiResult {

    public static final int GOOD = 0x00;
    public static final int CHECK_CONDITION = 0x02;
    public static final int RESERVATION_CONFLICT = 0x18;
    public static final int TASK_SET_FULL = 0x28;

    private static final ByteBuffer NO_DATA = ByteBuffer.allocate(0);

    public final int status;
    public final byte[] sense;
    private final ByteBuffer dataIn;
    /** The pooled buffer that holds the data-in, given back by {@link #release()}; null when none. */
    private final DataBuffers.Lease lease;

    private ScsiResult(int status, byte[] sense, ByteBuffer dataIn) {
        this(status, sense, dataIn, null);
    }

    private ScsiResult(int status, byte[] sense, ByteBuffer dataIn, DataBuffers.Lease lease) {
        this.status = status;
        this.sense = sense;
        this.dataIn = dataIn;
        this.lease = lease;
    }

    public static ScsiResult good() {
        return new ScsiResult(GOOD, null, NO_DATA);
    }

    public static ScsiResult good(ByteBuffer dataIn) {
        return new ScsiResult(GOOD, null, dataIn);
    }

    /** Data-in in a pooled buffer: the whole of the lease's data; {@link #release()} once it is sent. */
    static ScsiResult good(DataBuffers.Lease dataIn) {
        return new ScsiResult(GOOD, null, dataIn.data().duplicate().clear(), dataIn);
    }

    /** Data-in cut to the initiator's allocation length, as SPC requires. */
    public static ScsiResult good(byte[] dataIn, int allocationLength) {
        return good(ByteBuffer.wrap(dataIn, 0, Math.min(dataIn.length, allocationLength)));
    }

    /** The target has no room for the command now: the initiator retries it later (SAM-5, 5.3.1). */
    public static ScsiResult taskSetFull() {
        return new ScsiResult(TASK_SET_FULL, null, NO_DATA);
    }

    public static ScsiResult reservationConflict() {
        return new ScsiResult(RESERVATION_CONFLICT, null, NO_DATA);
    }

    public static ScsiResult checkCondition(SenseCode code) {
        return new ScsiResult(CHECK_CONDITION, code.fixedFormat(), NO_DATA);
    }

    /** CHECK CONDITION with sense bytes already built. */
    static ScsiResult checkCondition(byte[] sense) {
        return new ScsiResult(CHECK_CONDITION, sense, NO_DATA);
    }

    public static ScsiResult checkCondition(SenseCode code, long information) {
        return new ScsiResult(CHECK_CONDITION, code.fixedFormat(information), NO_DATA);
    }

    public ByteBuffer dataIn() {
        return dataIn.duplicate();
    }

    /** Gives a pooled data-in buffer back once the data is sent: {@link #dataIn()} must not be used after. */
    public void release() {
        if (lease != null) {
            lease.release();
        }
    }
}
