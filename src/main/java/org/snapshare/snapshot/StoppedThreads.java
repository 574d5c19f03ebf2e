package org.snapshare.snapshot;

import java.util.concurrent.TimeUnit;

/** Waiting for a volume's background thread that was told to stop: bounded, so a stuck one cannot hold a close up. */
final class StoppedThreads {

    /** The longest a close waits for one background thread. */
    static final long WAIT_SECONDS = 30;

    private StoppedThreads() {
    }

    /** Waits up to {@link #WAIT_SECONDS} for {@code thread} (nothing when null) to end. */
    static void join(Thread thread) {
        if (thread == null) {
            return;
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
