package org.snapshare.iscsi;

/**
 * The session's command window and the connection's status numbering
 * (RFC 7143, 4.2.2), with serial-number arithmetic. One connection per
 * session, so both live together.
 * <p>
 * The window bounds what the session has outstanding: MaxCmdSN moves on as
 * commands complete, not as they arrive, so at most {@code queueDepth}
 * commands of the window are in the target at once. Immediate commands take
 * no CmdSN and skip the window; they count against the same depth (one that
 * finds it reached is refused with TASK SET FULL) and narrow the window while
 * they run, so a session mixing both holds at most twice the depth.
 */
final class SequenceNumbers {

    private final int queueDepth;
    private int expCmdSn;
    private int maxCmdSn;
    private int statSn;
    /** Commands accepted and not yet completed, immediate ones included. */
    private int outstanding;

    SequenceNumbers(int firstCmdSn, int firstStatSn, int queueDepth) {
        this.queueDepth = queueDepth;
        this.expCmdSn = firstCmdSn;
        this.maxCmdSn = firstCmdSn + queueDepth - 1;
        this.statSn = firstStatSn;
    }

    synchronized int expCmdSn() {
        return expCmdSn;
    }

    synchronized int maxCmdSn() {
        return maxCmdSn;
    }

    /**
     * Accounts for a non-immediate command's CmdSN; false for one outside the window, which must be
     * dropped (RFC 7143, 4.2.2.1). An accepted command must be {@link #completed} once.
     */
    synchronized boolean admit(int cmdSn) {
        if (cmdSn - expCmdSn < 0 || maxCmdSn - cmdSn < 0) {
            return false;
        }
        expCmdSn = cmdSn + 1;
        outstanding++;
        return true;
    }

    /** Takes a place for an immediate SCSI command; false when the queue depth is reached (TASK SET FULL). */
    synchronized boolean admitImmediate() {
        if (outstanding >= queueDepth) {
            return false;
        }
        outstanding++;
        return true;
    }

    /** An accepted command is done without a response of its own (dropped, aborted): the window moves on. */
    synchronized void completed() {
        completeOne();
    }

    private void completeOne() {
        outstanding--;
        int widest = expCmdSn - 1 + queueDepth - outstanding;
        if (widest - maxCmdSn > 0) { // MaxCmdSN never moves back (RFC 7143, 4.2.2.1)
            maxCmdSn = widest;
        }
    }

    /** Stamps StatSN, ExpCmdSN and MaxCmdSN; advances StatSN if {@code advance}. */
    void stamp(Pdu pdu, boolean advance) {
        stamp(pdu, advance, false);
    }

    /** Like {@link #stamp(Pdu, boolean)}, first completing a command when {@code completing}: one lock for both. */
    synchronized void stamp(Pdu pdu, boolean advance, boolean completing) {
        if (completing) {
            completeOne();
        }
        pdu.sequenceNumbers(statSn, expCmdSn, maxCmdSn);
        if (advance) {
            statSn++;
        }
    }
}
