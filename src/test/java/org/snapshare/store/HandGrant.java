package org.snapshare.store;

/** A cluster lock tenure handed out by hand, for the store's fencing rules alone; it can be lost. */
final class HandGrant implements ClusterLock.Grant {

    private final long generation;
    private final boolean othersHeldSince;
    volatile boolean valid = true;

    HandGrant(long generation, boolean othersHeldSince) {
        this.generation = generation;
        this.othersHeldSince = othersHeldSince;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public boolean othersHeldSince() {
        return othersHeldSince;
    }

    @Override
    public boolean valid() {
        return valid;
    }
}
