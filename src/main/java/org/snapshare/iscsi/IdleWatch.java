package org.snapshare.iscsi;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a logged-in connection honest about being alive: after a silence of
 * {@code interval} it sends a NOP-In ping (RFC 7143, 11.19), and when nothing
 * at all is heard for {@code timeout} after that, the connection is closed,
 * so a peer that went away (or never meant to talk) frees its slot. LIO does
 * the same with its nopin_timeout and nopin_response_timeout.
 */
final class IdleWatch implements AutoCloseable {

    /** Sends one ping; the connection's own numbering and locking apply. */
    @FunctionalInterface
    interface Pinger {
        void ping() throws IOException;
    }

    private final long intervalNanos;
    private final long timeoutNanos;
    private final Pinger pinger;
    private final Runnable close;
    private volatile long lastHeard = System.nanoTime();
    /** When the unanswered ping went out; 0 while none is. */
    private volatile long pingSent;
    private final ScheduledFuture<?> checks;

    IdleWatch(ScheduledExecutorService timers, Duration interval, Duration timeout, Pinger pinger, Runnable close) {
        this.intervalNanos = interval.toNanos();
        this.timeoutNanos = timeout.toNanos();
        this.pinger = pinger;
        this.close = close;
        long period = Math.max(10, Math.min(interval.toMillis(), timeout.toMillis()) / 4);
        this.checks = timers.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    /** A PDU arrived: the peer is alive. */
    void heard() {
        lastHeard = System.nanoTime();
        pingSent = 0;
    }

    private void check() {
        long now = System.nanoTime();
        long sent = pingSent;
        if (sent != 0) {
            if (now - sent >= timeoutNanos && now - lastHeard >= timeoutNanos) {
                close.run();
            }
        } else if (now - lastHeard >= intervalNanos) {
            pingSent = now;
            try {
                pinger.ping();
            } catch (IOException e) {
                close.run();
            }
        }
    }

    @Override
    public void close() {
        checks.cancel(false);
    }
}
