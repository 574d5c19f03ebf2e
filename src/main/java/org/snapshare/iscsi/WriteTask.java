package org.snapshare.iscsi;

import java.nio.ByteBuffer;
import org.snapshare.iscsi.scsi.CommandPlan;
import org.snapshare.iscsi.scsi.DataBuffers;

/**
 * A write command collecting its data-out: immediate data, an unsolicited
 * burst, then one R2T at a time (MaxOutstandingR2T=1) until all has arrived.
 * <p>
 * The data must arrive whole, once and in order: we negotiate DataPDUInOrder
 * and DataSequenceInOrder to Yes, so every Data-Out must start where the
 * bytes received so far end (RFC 7143, 13.19 and 13.20), lie inside the burst
 * it belongs to, and carry data only where InitialR2T, ImmediateData and
 * FirstBurstLength allow it. Anything else refuses the write, so a command
 * completes only once every byte of its buffer came from its own initiator:
 * the buffer is reused, and a byte not received would be another command's.
 */
final class WriteTask {

    /** What the session negotiated about unsolicited data (RFC 7143, 13.10, 13.11, 13.14). */
    record UnsolicitedRules(boolean immediateData, boolean initialR2T, int firstBurstLength) {
    }

    final int itt;
    final long lun;
    final CommandPlan plan;
    /** The data-out length the CDB asks for, before any cut; residuals are reported against it. */
    final int commandLength;
    /** The initiator's ExpectedDataTransferLength. */
    final long expectedLength;
    /** Bytes we take: the command's data, at most what the initiator will send. */
    final int wanted;
    private final UnsolicitedRules rules;
    private final DataBuffers.Lease lease;
    private final ByteBuffer buffer;
    /** Where the last {@link #placeFor} let a Data-Out be read straight into the buffer; -1 when nowhere. */
    private long placedOffset = -1;
    private int placedLength;
    /** Bytes received from offset 0 on, with no gap: the offset the next Data-Out must start at. */
    private long received;
    /** Where unsolicited data must end: the first burst, or the transfer if shorter. */
    private final long unsolicitedEnd;
    private boolean unsolicitedOpen;
    private int r2tTag = Pdu.NO_TAG;
    private long r2tEnd = -1;
    private int r2tCount;
    /** The DataSN the next Data-Out must carry: per sequence, from 0 (RFC 7143, 11.7.4). */
    private int nextUnsolicitedDataSn;
    private int nextSolicitedDataSn;

    /** The command's place in its session's queue: given back with its response, or by {@link #release}. */
    final CommandSlot slot;

    /** {@code lease}: the buffer for the plan's data-out, exactly its length; it and the slot go back on {@link #release}. */
    WriteTask(int itt, long lun, CommandPlan plan, int commandLength, long expectedLength,
            boolean unsolicitedFollows, UnsolicitedRules rules, DataBuffers.Lease lease, CommandSlot slot) {
        this.itt = itt;
        this.commandLength = commandLength;
        this.lun = lun;
        this.plan = plan;
        this.expectedLength = expectedLength;
        this.wanted = plan.dataOutLength();
        this.rules = rules;
        this.unsolicitedEnd = Math.min(rules.firstBurstLength(), expectedLength);
        this.unsolicitedOpen = unsolicitedFollows && !rules.initialR2T();
        this.lease = lease;
        this.buffer = lease.data();
        this.slot = slot;
    }

    /** Why the command's immediate data of {@code length} bytes is not allowed; null when it is. */
    String immediateRefusal(int length) {
        if (length == 0) {
            return null;
        }
        if (!rules.immediateData()) {
            return "immediate data of " + length + " bytes, but ImmediateData=No was negotiated";
        }
        return beyond(length, unsolicitedEnd, "FirstBurstLength " + rules.firstBurstLength()
                + " or the ExpectedDataTransferLength " + expectedLength);
    }

    /**
     * Why a Data-Out of {@code length} bytes at {@code offset} for target transfer tag {@code ttt}
     * breaks the rules above; null when it may be taken.
     */
    String dataOutRefusal(int ttt, int offset, int length) {
        long start = Integer.toUnsignedLong(offset);
        if (start != received) {
            return "Data-Out at offset " + start + " where " + received + " bytes have arrived (gaps, overlaps"
                    + " and reordering are refused: DataPDUInOrder=Yes)";
        }
        if (ttt == Pdu.NO_TAG) {
            if (!unsolicitedOpen) {
                return "unsolicited Data-Out after the unsolicited burst ended, or with InitialR2T=Yes";
            }
            return beyond(length, unsolicitedEnd, "FirstBurstLength " + rules.firstBurstLength());
        }
        if (ttt != r2tTag) {
            return "Data-Out for target transfer tag 0x" + Integer.toHexString(ttt) + ", which no outstanding R2T"
                    + " of this command carries";
        }
        return beyond(length, r2tEnd, "the R2T's desired length");
    }

    private String beyond(int length, long end, String limit) {
        long dataEnd = received + length;
        return dataEnd > end ? "data up to byte " + dataEnd + " runs past " + limit + " (byte " + end + ")" : null;
    }

    /** Where a Data-Out can be read straight into; null if it does not fit or breaks the rules. */
    ByteBuffer placeFor(int ttt, int offset, int length) {
        if (length <= 0 || received + length > wanted || dataOutRefusal(ttt, offset, length) != null) {
            return null;
        }
        placedOffset = received;
        placedLength = length;
        return buffer.slice((int) received, length);
    }

    /** Takes data that follows what has arrived (checked by the refusals above); bytes past what we want are dropped. */
    void accept(ByteBuffer data) {
        int length = data.remaining();
        int usable = (int) Math.max(0, Math.min(length, wanted - received));
        boolean inPlace = received == placedOffset && length == placedLength; // read there by placeFor
        placedOffset = -1;
        if (usable > 0 && !inPlace) {
            buffer.put((int) received, data, data.position(), usable);
        }
        received += length;
        if (received >= unsolicitedEnd) {
            unsolicitedOpen = false;
        }
    }

    /** True when a Data-Out carries the DataSN its sequence expects next. */
    boolean dataSnInOrder(int dataSn, boolean solicited) {
        int expected = solicited ? nextSolicitedDataSn++ : nextUnsolicitedDataSn++;
        return dataSn == expected;
    }

    /** A Data-Out with the F bit ends the unsolicited burst or the current R2T's burst. */
    void endOfSequence(boolean solicited) {
        if (solicited) {
            r2tTag = Pdu.NO_TAG;
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

    /** Records an R2T with tag {@code ttt} for up to {@code maxBurst} bytes from what we have. */
    Burst nextR2t(int ttt, int maxBurst) {
        int offset = (int) received;
        int length = Math.min(maxBurst, wanted - offset);
        r2tTag = ttt;
        r2tEnd = offset + (long) length;
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
    void releaseBuffer() {
        lease.release();
    }

    /** A write that will get no response of its own (dropped, aborted): its buffer and its slot go back. */
    void release() {
        lease.release();
        slot.release();
    }
}
