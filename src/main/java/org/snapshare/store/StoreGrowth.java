package org.snapshare.store;

/**
 * How far a store on a growable device may grow: decided by whoever knows
 * where it lives and what the user allowed (the appliance: store-max-size,
 * the file system's reserve). The store asks when its free chunks run low.
 */
@FunctionalInterface
public interface StoreGrowth {

    /** A store that keeps the size it has. */
    StoreGrowth FIXED = (currentBytes, usedBytes) -> currentBytes;

    /**
     * The most bytes the store may have now, given its size and the bytes in
     * use in it; {@code currentBytes} or less: it does not grow.
     */
    long limitBytes(long currentBytes, long usedBytes);
}
