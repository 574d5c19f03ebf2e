package org.snapshare.store;

/** No free chunk is left in the store. */
public final class StoreFullException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreFullException(long chunks) {
        super("exception store full: all " + chunks + " chunks are in use; delete snapshots or grow the store");
    }
}
