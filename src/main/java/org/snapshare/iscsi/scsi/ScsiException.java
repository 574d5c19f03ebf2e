package org.snapshare.iscsi.scsi;

/** Ends a command with CHECK CONDITION and the given sense. */
public final class ScsiException extends Exception {
    private static final long serialVersionUID = 1L;

    public final SenseCode sense;

    public ScsiException(SenseCode sense, String detail) {
        super(detail, null, false, false);
        this.sense = sense;
    }
}
