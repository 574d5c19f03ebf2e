package org.snapshare.iscsi;

import java.nio.ByteBuffer;
import org.snapshare.iscsi.scsi.CommandPlan;
import org.snapshare.iscsi.scsi.DataBuffers;

/**
 * A write command collecting its data-out: immediate data, an unsolicited
 * burst, then one R2T at a time (MaxOutstandingR2T=1) until all has arrived.
 */
final class WriteTask {

    final int itt;
    final long lun;
    final CommandPlan plan;
    /** The data-out length the CDB asks for, before any cut; residuals are reported against it. */
    final int commandLength;
    /** The initiator's ExpectedDataTransferLength. */
    final long expectedLength;
    /** Bytes we take: the command's data, at most what the initiator will send. */
    final int wanted;
    private final DataBuffers.Lease lease;
    private final ByteBuffer buffer;
    /** Where the last {@link #placeFor} let a Data-Out be read straight into the buffer; -1 when nowhere. */
    private int placedOffset = -1;
    private int placedLength;
    private int received;
    private boolean unsolicitedOpen;
    private int r2tEnd = -1;
    private int r2tCount;
    /** The DataSN the next Data-Out must carry: per sequence, from 0 (RFC 7143, 11.7.4). */
    private int nextUnsolicitedDataSn;
    private int nextSolicitedDataSn;

    WriteTask(int itt, long lun, CommandPlan plan, int commandLength, long expectedLength,
            boolean unsolicitedFollows) {
        this.itt = itt;
        this.commandLength = commandLength;
        this.lun = lun;
        this.plan = plan;
        this.expectedLength = expectedLength;
        this.wanted = plan.dataOutLength();
        this.lease = DataBuffers.SHARED.take(wanted);
        this.buffer = lease.data();
        this.unsolicitedOpen = unsolicitedFollows;
    }

    /** Where a Data-Out of {@code length} bytes at {@code offset} can be read straight into; null if it does not fit. */
    ByteBuffer placeFor(int offset, int length) {
        if (offset < 0 || length <= 0 || offset + (long) length > wanted) {
            return null;
        }
        placedOffset = offset;
        placedLength = length;
        return buffer.slice(offset, length);
    }

    /** Stores data at {@code offset}; bytes past what we want are dropped. */
    void accept(int offset, ByteBuffer data) throws ProtocolException {
        int length = data.remaining();
        if (offset < 0 || offset + (long) length > expectedLength) {
            throw new ProtocolException("Data-Out at offset " + offset + " of " + length
                    + " bytes runs past ExpectedDataTransferLength " + expectedLength);
        }
        int usable = Math.max(0, Math.min(length, wanted - offset));
        boolean inPlace = offset == placedOffset && length == placedLength; // read there by placeFor
        placedOffset = -1;
        if (usable > 0 && !inPlace) {
            buffer.put(offset, data, data.position(), usable);
        }
        received = Math.max(received, offset + length);
    }

    /** True when a Data-Out carries the DataSN its sequence expects next. */
    boolean dataSnInOrder(int dataSn, boolean solicited) {
        int expected = solicited ? nextSolicitedDataSn++ : nextUnsolicitedDataSn++;
        return dataSn == expected;
    }

    /** A Data-Out with the F bit ends the unsolicited burst or the current R2T's burst. */
    void endOfSequence(boolean solicited) {
        if (solicited) {
            r2tEnd = -1;
        } else {
            unsolicitedOpen = false;
        }
    }

    boolean complete() {
        return received >= wanted;
    }

    /** True when it is our turn to ask for more with an R2T. */
    boolean needsR2t() {
        return !complete() && !unsolicitedOpen && (r2tEnd < 0 || received >= r2tEnd);
    }

    /** The data an R2T asks for: {@code length} bytes from buffer offset {@code offset}. */
    record Burst(int offset, int length) {
    }

    /** Records an R2T for up to {@code maxBurst} bytes from what we have. */
    Burst nextR2t(int maxBurst) {
        int offset = received;
        int length = Math.min(maxBurst, wanted - offset);
        r2tEnd = offset + length;
        r2tCount++;
        nextSolicitedDataSn = 0; // each R2T starts a new data sequence
        return new Burst(offset, length);
    }

    int r2tCount() {
        return r2tCount;
    }

    ByteBuffer data() {
        return buffer.duplicate().clear();
    }

    /** Gives the data buffer back once the command is done with it ({@link #data()} must not be used after). */
    void release() {
        lease.release();
    }
}
