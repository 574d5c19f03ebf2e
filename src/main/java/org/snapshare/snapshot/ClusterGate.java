package org.snapshare.snapshot;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.store.ClusterLock;

/**
 * Every piece of work on one volume passes this gate, which holds the
 * volume's {@link ClusterLock} while work runs. The lock is taken when work
 * arrives and kept while nobody else wants it, so I/O runs at full speed on
 * the node that holds it. When another node waits, the gate lets the work
 * in flight finish, holds new work back, ends the tenure (everything
 * committed and flushed) and releases the lock; work that arrives next takes
 * it again, behind the other node. A tenure whose grant is lost ends the
 * same way, without the commit.
 */
final class ClusterGate implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterGate.class);

    /**
     * A holder keeps the lock at least this long before handing it over, so
     * nodes writing at once still progress: each tenure ends with a commit
     * and a flush. 20 ms keeps a handover near 20 ms and cost writes through
     * both nodes at once 7 % against 100 ms (bench/cluster-bench.sh, 2b).
     */
    static final long MIN_HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long WATCH_MILLIS = 20;

    /** What a tenure means for the volume. */
    interface Tenure {
        /** Right after the lock is taken, before any work is let in. */
        void begin(ClusterLock.Grant grant) throws IOException;

        /** Once work is let in: start background work (it enters the gate itself). */
        void started();

        /** Before the lock is released, after the work in flight finished: commit and flush everything. */
        void end() throws IOException;
    }

    /** Permission to work on the volume; closing it lets a handover go ahead. */
    final class Pass implements AutoCloseable {
        private final long tenure;

        private Pass(long tenure) {
            this.tenure = tenure;
        }

        /** The number of the tenure the work runs in: work spanning passes sees a handover by a change. */
        long tenure() {
            return tenure;
        }

        @Override
        public void close() {
            gate.readLock().unlock();
        }
    }

    private final String volume;
    private final ClusterLock lock;
    private final Duration takeTimeout;
    private final Tenure tenure;
    /** Shared by work, exclusive while a tenure begins or ends; fair, so a waiting handover holds new work back. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    private volatile ClusterLock.Grant grant;
    private volatile long heldSince;
    private final AtomicLong tenures = new AtomicLong();
    private final AtomicLong handovers = new AtomicLong();
    private Thread watcher;
    private volatile boolean closed;

    ClusterGate(String volume, ClusterLock lock, Duration takeTimeout, Tenure tenure) {
        this.volume = volume;
        this.lock = lock;
        this.takeTimeout = takeTimeout;
        this.tenure = tenure;
    }

    /** Lets work in, taking the lock first if this node does not hold it; waits at most the take timeout. */
    Pass enter() throws IOException {
        return enter(takeTimeout);
    }

    /** Like {@link #enter()}, waiting at most {@code timeout} for the lock. */
    Pass enter(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Pass> pass = enterIfHeld(true);
            if (pass.isPresent()) {
                return pass.get();
            }
            if (gate.getReadHoldCount() > 0) { // inside a pass: taking the lock here would wait for itself
                throw new UnitUnavailableException("volume " + volume + ": this node lost the cluster lock while"
                        + " the command ran; nothing more of it was done; retry");
            }
            if (acquire(deadline)) {
                tenure.started();
            }
        }
    }

    /** Lets work in only while this node holds the lock and no handover is under way (background work). */
    Optional<Pass> enterIfHeld() {
        return enterIfHeld(false);
    }

    private Optional<Pass> enterIfHeld(boolean wait) {
        if (wait) {
            gate.readLock().lock();
        } else if (!gate.readLock().tryLock()) {
            return Optional.empty();
        }
        ClusterLock.Grant current = grant;
        if (current != null && current.valid()) {
            return Optional.of(new Pass(tenures.get()));
        }
        gate.readLock().unlock();
        return Optional.empty();
    }

    /** Takes the lock unless this node holds it; true when a new tenure began. */
    private boolean acquire(long deadline) throws IOException {
        gate.writeLock().lock();
        try {
            if (closed) {
                throw new UnitUnavailableException("volume " + volume + " is shutting down on this node");
            }
            ClusterLock.Grant current = grant;
            if (current != null && current.valid()) {
                return false;
            }
            if (current != null) {
                LOG.warn("volume {}: the cluster lock was lost (generation {}); taking it again", volume,
                        current.generation());
                endTenure(false);
            }
            Optional<ClusterLock.Grant> taken;
            try {
                taken = lock.take(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (IOException e) { // ZooKeeper out of reach: nothing may change, but it may come back
                throw new UnitUnavailableException("volume " + volume + ": the cluster lock cannot be taken ("
                        + e.getMessage() + "); this node changes nothing until it can", e);
            }
            if (taken.isEmpty()) {
                throw new UnitUnavailableException("volume " + volume + ": another node holds the cluster lock and"
                        + " did not hand it over in time; retry, or use the path to the node that holds it");
            }
            try {
                tenure.begin(taken.get());
            } catch (IOException | RuntimeException e) {
                lock.release();
                throw e;
            }
            grant = taken.get();
            heldSince = System.nanoTime();
            tenures.incrementAndGet();
            if (taken.get().generation() != 0) {
                // The first tenure is news; later ones can come several a second while initiators use both
                // paths (status counts the handovers).
                boolean first = tenures.get() == 1;
                String message = "volume {}: took the cluster lock (generation {}{})";
                String others = taken.get().othersHeldSince() ? ", another node held it meanwhile: caches dropped" : "";
                if (first) {
                    LOG.info(message, volume, taken.get().generation(), others);
                } else {
                    LOG.debug(message, volume, taken.get().generation(), others);
                }
                startWatcher();
            }
            return true;
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Watches a clustered tenure for a waiting node or a lost grant; the single-node lock needs no watcher. */
    private void startWatcher() {
        if (watcher != null) {
            return;
        }
        watcher = new Thread(() -> {
            while (!closed) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(WATCH_MILLIS)); // or till a node waits
                if (Thread.currentThread().isInterrupted()) {
                    return; // closing
                }
                watchOnce();
            }
        }, "cluster-gate-" + volume);
        watcher.setDaemon(true);
        Thread started = watcher;
        lock.onContention(() -> LockSupport.unpark(started)); // a waiting node is seen at once, not next tick
        watcher.start();
    }

    private void watchOnce() {
        ClusterLock.Grant current = grant;
        if (current == null) {
            return;
        }
        boolean lost = !current.valid();
        boolean wanted = lock.contended() && System.nanoTime() - heldSince >= MIN_HOLD_NANOS;
        if (!lost && !wanted) {
            return;
        }
        gate.writeLock().lock(); // waits for the work in flight
        try {
            if (grant != current) {
                return;
            }
            if (lost) {
                LOG.warn("volume {}: the cluster lock (generation {}) was lost; this node changes nothing until it"
                        + " takes the lock again", volume, current.generation());
            }
            endTenure(!lost);
            if (!lost) {
                handovers.incrementAndGet();
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Ends the tenure (orderly: committed and flushed) and releases the lock. The caller holds the gate. */
    private void endTenure(boolean orderly) {
        try {
            if (orderly) {
                tenure.end();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("volume {}: ending the tenure failed ({}); the next holder mounts the last commit", volume,
                    e.getMessage(), e);
        } finally {
            grant = null;
            try {
                lock.release();
            } catch (IOException | RuntimeException e) {
                LOG.warn("volume {}: releasing the cluster lock failed: {}", volume, e.getMessage());
            }
        }
    }

    /** The grant of the tenure in progress, if this node holds the lock and it is still valid. */
    Optional<ClusterLock.Grant> validGrant() {
        return Optional.ofNullable(grant).filter(ClusterLock.Grant::valid);
    }

    /** True while this node holds the lock and can trust it. */
    boolean holds() {
        return validGrant().isPresent();
    }

    /** How long the tenure in progress has lasted (zero when this node does not hold the lock). */
    Duration heldFor() {
        return grant == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - heldSince);
    }

    /** Tenures ended because another node asked for the lock. */
    long handovers() {
        return handovers.get();
    }

    /** Ends the tenure in progress, if any, and lets no new work in. */
    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
        }
        gate.writeLock().lock();
        try {
            ClusterLock.Grant current = grant;
            if (current != null) {
                endTenure(current.valid());
            }
        } finally {
            gate.writeLock().unlock();
            try {
                lock.close();
            } catch (IOException e) {
                LOG.warn("volume {}: closing the cluster lock failed: {}", volume, e.getMessage());
            }
        }
    }
}
