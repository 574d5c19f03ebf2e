package org.snapshare.snapshot;

import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes deferred origin writes back in the background (docs/SNAPSHOTS.md,
 * "Deferred origin writes"): every {@link #INTERVAL_MILLIS}, or at once when
 * a quarter of the server's budget is held, one commit makes the copies of all the
 * writes held so far durable and they go to the origin device. Like other
 * background work it runs only while this node holds the volume's lock,
 * on its own thread from {@link #start} to {@link #close}.
 */
final class WriteBackFlusher implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(WriteBackFlusher.class);

    /** The longest a deferred write waits for its commit, unless its volume is busy failing. */
    static final long INTERVAL_MILLIS = 50;

    private final VolumeIo io;
    private final ClusterGate gate;
    private final String volume;
    private final Object wakeUp = new Object();
    private final Thread thread;
    private boolean nudged;
    private volatile boolean stopped;
    private String lastFailure;

    WriteBackFlusher(VolumeIo io, ClusterGate gate, String volume) {
        this.io = io;
        this.gate = gate;
        this.volume = volume;
        this.thread = new Thread(this, "write-back-" + volume);
        thread.setDaemon(true);
        io.onDeferred(this::deferred);
    }

    void start() {
        thread.start();
    }

    /** Stops writing back and waits for the step under way (what is still held is the tenure's end to write). */
    void close() {
        stopped = true;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        StoppedThreads.join(thread);
    }

    /**
     * Drops what is still held and says so: after a lost tenure or a failed
     * commit the copies it waits for were never committed, so it must never
     * be written.
     */
    void dropUnwritable() {
        long dropped = io.discardPending();
        if (dropped > 0) {
            LOG.warn("volume {}: {} bytes of origin writes that no SYNCHRONIZE CACHE covered were dropped: their"
                    + " snapshots' copies were never committed (the cluster lock was lost, or the commit failed)",
                    volume, dropped);
        }
    }

    /** A write was deferred: wakes the flusher at once when a quarter of the (shared) budget is held. */
    private void deferred() {
        WriteBackBudget budget = io.pending.budget();
        if (budget.heldBytes() >= budget.limitBytes() / 4) {
            synchronized (wakeUp) {
                nudged = true;
                wakeUp.notifyAll();
            }
        }
    }

    @Override
    public void run() {
        while (!stopped) {
            waitForWork();
            if (stopped || io.pending.isEmpty()) {
                continue;
            }
            Optional<ClusterGate.Pass> pass = gate.enterIfHeld();
            if (pass.isEmpty()) {
                continue; // the next tenure starts without them (ClusterGate, VolumeTenure.begin)
            }
            try (ClusterGate.Pass held = pass.get()) {
                io.writeBackPending();
                lastFailure = null;
            } catch (IOException | RuntimeException e) {
                if (!e.toString().equals(lastFailure)) { // once per distinct failure, not every interval
                    lastFailure = e.toString();
                    LOG.error("volume {}: {} bytes of origin writes wait for their snapshots' copies to be"
                            + " committed, which failed: {}; they are kept, and a SYNCHRONIZE CACHE fails until"
                            + " they are written", volume, io.pending.heldBytes(), e.getMessage());
                }
            }
        }
    }

    private void waitForWork() {
        synchronized (wakeUp) {
            if (!nudged && !stopped) {
                try {
                    wakeUp.wait(INTERVAL_MILLIS);
                } catch (InterruptedException e) {
                    stopped = true;
                    Thread.currentThread().interrupt();
                }
            }
            nudged = false;
        }
    }
}
