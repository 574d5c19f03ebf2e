package org.snapshare.appliance;

import java.io.Closeable;
import java.time.Duration;

/**
 * A daemon thread that runs one pass at every multiple of its period on the
 * wall clock (plus a little, so a pass at second N sees second N), until it
 * is closed: what schedules and replication run on.
 */
final class BackgroundLoop implements Closeable {

    /** One pass; an interrupt ends the loop. */
    @FunctionalInterface
    interface Pass {
        void run() throws InterruptedException;
    }

    private static final long AFTER_MILLIS = 20;

    private final Thread thread;

    BackgroundLoop(String name, Duration period, Pass pass) {
        long periodMillis = period.toMillis();
        thread = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(periodMillis - System.currentTimeMillis() % periodMillis + AFTER_MILLIS);
                    pass.run();
                }
            } catch (InterruptedException e) {
                // closed
            }
        }, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the loop and waits (a few seconds at most) for a pass under way to end. */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
