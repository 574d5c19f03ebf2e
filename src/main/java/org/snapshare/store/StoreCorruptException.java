package org.snapshare.store;

/** On-disk metadata failed its checks. */
public final class StoreCorruptException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreCorruptException(String message) {
        super(message);
    }
}
