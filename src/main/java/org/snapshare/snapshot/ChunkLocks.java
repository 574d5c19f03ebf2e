package org.snapshare.snapshot;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Per-chunk locks, striped: chunk c maps to stripe c mod N, so neighbouring
 * chunks of one request take distinct stripes and unrelated I/O rarely
 * collides. A request takes its stripes in ascending order, so two requests
 * never deadlock.
 */
final class ChunkLocks {

    /** Locks held by one request; closing releases them. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private final ReentrantReadWriteLock[] stripes;

    ChunkLocks(int stripeCount) {
        if (Integer.bitCount(stripeCount) != 1) {
            throw new IllegalArgumentException("stripe count must be a power of two");
        }
        stripes = new ReentrantReadWriteLock[stripeCount];
        for (int i = 0; i < stripeCount; i++) {
            stripes[i] = new ReentrantReadWriteLock();
        }
    }

    /** Locks chunks {@code first}..{@code last}: shared for readers, exclusive for writers. */
    Held lock(long first, long last, boolean exclusive) {
        int mask = stripes.length - 1;
        int low;
        int high;
        int wrapHigh = -1; // stripes 0..wrapHigh, taken first when the range wraps past the last stripe
        if (last - first >= mask) {
            low = 0;
            high = mask;
        } else {
            low = (int) (first & mask);
            high = (int) (last & mask);
            if (high < low) {
                wrapHigh = high;
                high = mask;
            }
        }
        for (int i = 0; i <= wrapHigh; i++) {
            stripe(i, exclusive).lock();
        }
        for (int i = low; i <= high; i++) {
            stripe(i, exclusive).lock();
        }
        int wrapEnd = wrapHigh;
        int from = low;
        int to = high;
        return () -> {
            for (int i = to; i >= from; i--) {
                stripe(i, exclusive).unlock();
            }
            for (int i = wrapEnd; i >= 0; i--) {
                stripe(i, exclusive).unlock();
            }
        };
    }

    private Lock stripe(int index, boolean exclusive) {
        return exclusive ? stripes[index].writeLock() : stripes[index].readLock();
    }

    Held lock(long chunk, boolean exclusive) {
        return lock(chunk, chunk, exclusive);
    }
}
