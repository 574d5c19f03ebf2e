package org.snapshare.store;

/** No free chunk is left in the store. */
public final class StoreFullException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreFullException(long chunks) {
        super("exception store full: all " + chunks + " chunks are in use; delete snapshots or grow the store");
    }

    private StoreFullException(String message) {
        super(message);
    }

    /** A change to the tree found too little room left above what the commit and deletes need. */
    static StoreFullException forMetadata(long chunks, long free) {
        return new StoreFullException("exception store full: " + free + " of its " + chunks + " chunks are free,"
                + " all kept for the commit and for deletes; delete snapshots or grow the store");
    }
}
