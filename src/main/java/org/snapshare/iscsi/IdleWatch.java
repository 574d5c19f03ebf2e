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
    /** PDUs heard: written by the connection's reading thread only, so a plain volatile increment is safe. */
    private volatile long heard;
    // The rest is the timer thread's alone: the reading thread pays one volatile write per PDU, no clock.
    private long heardAtLastCheck;
    private long lastHeard = System.nanoTime();
    /** When the unanswered ping went out; 0 while none is. */
    private long pingSent;
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
        heard = heard + 1;
    }

    private void check() {
        long now = System.nanoTime();
        long count = heard;
        if (count != heardAtLastCheck) {
            heardAtLastCheck = count;
            lastHeard = now;
            pingSent = 0;
            return;
        }
        if (pingSent != 0) {
            if (now - pingSent >= timeoutNanos) {
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
