package org.snapshare.snapshot;

/** A snapshot request that cannot be done as asked; the message says why and what to do. */
public final class SnapshotException extends Exception {
    private static final long serialVersionUID = 1L;

    public SnapshotException(String message) {
        super(message);
    }
}
