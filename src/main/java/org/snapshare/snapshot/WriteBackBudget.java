package org.snapshare.snapshot;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of deferred origin writes that the volumes sharing it may hold
 * together (docs/SNAPSHOTS.md, "Deferred origin writes"; setting
 * `origin-write-back`): one budget for the whole server, so the memory they
 * take does not grow with the number of volumes. A write that finds it
 * spent waits for its commit instead of being held.
 */
public final class WriteBackBudget {

    /** The most the budget is when none is configured. */
    static final long DEFAULT_MOST_BYTES = 64L << 20;

    /** The budget when none is configured: 64 MiB, or an eighth of the heap's limit (-Xmx) when that is less. */
    public static long defaultBytes() {
        return Math.min(DEFAULT_MOST_BYTES, Runtime.getRuntime().maxMemory() / 8);
    }

    private final long limitBytes;
    private final AtomicLong heldBytes = new AtomicLong();

    /** A budget of {@code limitBytes}; 0: nothing is ever held. */
    public WriteBackBudget(long limitBytes) {
        if (limitBytes < 0) {
            throw new IllegalArgumentException("a write-back budget cannot be negative: " + limitBytes);
        }
        this.limitBytes = limitBytes;
    }

    long limitBytes() {
        return limitBytes;
    }

    long heldBytes() {
        return heldBytes.get();
    }

    /** Takes {@code bytes}; false, and nothing taken, when less than that is left. */
    boolean reserve(long bytes) {
        while (true) {
            long held = heldBytes.get();
            if (bytes > limitBytes - held) {
                return false;
            }
            if (heldBytes.compareAndSet(held, held + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        heldBytes.addAndGet(-bytes);
    }
}
