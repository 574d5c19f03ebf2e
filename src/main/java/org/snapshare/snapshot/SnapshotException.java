package org.snapshare.snapshot;

/** A snapshot request that cannot be done as asked; the message says why and what to do. */
public final class SnapshotException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the request was refused (the API's status code follows it). */
    public enum Reason {
        /** The volume's state does not allow it now (a rollback running, a snapshot not live, a bad value). */
        REFUSED,
        /** It names a snapshot the volume does not have. */
        NOT_FOUND,
        /** The name is taken. */
        EXISTS
    }

    private final Reason reason;

    public SnapshotException(String message) {
        this(Reason.REFUSED, message);
    }

    public SnapshotException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
