package org.snapshare.store;

/**
 * How full a store is: bytes in use, its size now, and the most it may grow
 * to (its size, when it cannot grow).
 */
public record StoreSpace(long usedBytes, long sizeBytes, long limitBytes) {

    /** Warnings start at these shares of the limit (docs/STORE.md, "Growth"). */
    public static final int[] WARNING_PERCENTS = {80, 90};

    public int percentOfLimit() {
        return (int) Math.min(100, usedBytes * 100 / Math.max(1, limitBytes));
    }

    /** The highest warning threshold reached (80 or 90), or 0 below the first. */
    public int warningLevel() {
        int level = 0;
        for (int threshold : WARNING_PERCENTS) {
            if (percentOfLimit() >= threshold) {
                level = threshold;
            }
        }
        return level;
    }

    public boolean canGrow() {
        return limitBytes > sizeBytes;
    }
}
