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
        boolean[] wanted = new boolean[stripes.length];
        if (last - first >= stripes.length - 1) {
            java.util.Arrays.fill(wanted, true);
        } else {
            for (long chunk = first; chunk <= last; chunk++) {
                wanted[(int) (chunk & mask)] = true;
            }
        }
        int count = 0;
        Lock[] taken = new Lock[stripes.length];
        for (int i = 0; i < stripes.length; i++) {
            if (wanted[i]) {
                Lock lock = exclusive ? stripes[i].writeLock() : stripes[i].readLock();
                lock.lock();
                taken[count++] = lock;
            }
        }
        int held = count;
        return () -> {
            for (int i = held - 1; i >= 0; i--) {
                taken[i].unlock();
            }
        };
    }

    Held lock(long chunk, boolean exclusive) {
        return lock(chunk, chunk, exclusive);
    }
}
