package org.snapshare.store;

/**
 * This node may not change the store: it lost the cluster lock, or another
 * node committed under a newer lock generation. Retryable: the work can be
 * done again once the node holds the lock again (or through the other node).
 */
public final class StoreFencedException extends StoreException {

    private static final long serialVersionUID = 1L;

    public StoreFencedException(String message) {
        super(message);
    }
}
