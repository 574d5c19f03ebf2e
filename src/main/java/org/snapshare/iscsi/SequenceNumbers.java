package org.snapshare.iscsi;

/**
 * The session's command window and the connection's status numbering
 * (RFC 7143, 4.2.2), with serial-number arithmetic. One connection per
 * session, so both live together.
 */
final class SequenceNumbers {

    /** How many commands the initiator may have queued ahead of us. */
    static final int COMMAND_WINDOW = 32;

    private int expCmdSn;
    private int statSn;

    SequenceNumbers(int firstCmdSn, int firstStatSn) {
        this.expCmdSn = firstCmdSn;
        this.statSn = firstStatSn;
    }

    synchronized int expCmdSn() {
        return expCmdSn;
    }

    synchronized int maxCmdSn() {
        return expCmdSn + COMMAND_WINDOW - 1;
    }

    /**
     * Accounts for a command's CmdSN. Immediate commands do not consume one.
     * Returns false for a non-immediate CmdSN outside the window, which must be dropped.
     */
    synchronized boolean acceptCommand(int cmdSn, boolean immediate) {
        if (immediate) {
            return true;
        }
        int ahead = cmdSn - expCmdSn;
        if (ahead < 0 || ahead >= COMMAND_WINDOW) {
            return false;
        }
        expCmdSn = cmdSn + 1;
        return true;
    }

    /** Stamps StatSN, ExpCmdSN and MaxCmdSN; advances StatSN if {@code advance}. */
    synchronized void stamp(Pdu pdu, boolean advance) {
        pdu.sequenceNumbers(statSn, expCmdSn, maxCmdSn());
        if (advance) {
            statSn++;
        }
    }
}
