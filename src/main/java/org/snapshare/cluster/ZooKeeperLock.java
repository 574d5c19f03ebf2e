package org.snapshare.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.store.ClusterLock;

/**
 * A volume's cluster lock on ZooKeeper: Curator's {@link InterProcessMutex}
 * (fair: nodes get it in the order they asked). The generation is the
 * cluster-wide zxid of the write each new holder makes to the znode
 * {@code generation} beside the lock, so it only grows and says who held the
 * lock last.
 *
 * The grant stays valid while this node can be sure its session, and so its
 * lock node, is alive: not after Curator reports the connection suspended or
 * lost, and not longer than two thirds of the session timeout past the last
 * answer ZooKeeper gave to the poll that also watches for contention. A node
 * that was frozen (SIGSTOP, a long pause) thus stops trusting its lock
 * before it could commit, even before Curator notices.
 */
public final class ZooKeeperLock implements ClusterLock {

    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperLock.class);
    /** Beside the lock: holds the last holder's name; its write's zxid is the generation. */
    static final String GENERATION = "/generation";
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(2);

    private final ZooKeeperCluster cluster;
    private final CuratorFramework client;
    private final String path;
    private final InterProcessMutex mutex;
    /** Curator's mutex belongs to the thread that acquired it: take and release both run here. */
    private final ExecutorService owner;
    private final ConnectionStateListener connectionWatch = this::connectionChanged;
    private final long pollNanos;
    private final long trustNanos;
    private volatile Tenure tenure;
    private volatile boolean contended;
    /** Told at once when a node comes to wait (see {@link #onContention}). */
    private volatile Runnable wake = () -> { };
    private long lastGeneration = -1;
    private ScheduledFuture<?> poll;

    ZooKeeperLock(ZooKeeperCluster cluster, String path) {
        this.cluster = cluster;
        this.client = cluster.client();
        this.path = path;
        this.mutex = new InterProcessMutex(client, path + "/lock");
        this.owner = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cluster-lock" + path.replace('/', '-'));
            thread.setDaemon(true);
            return thread;
        });
        long session = cluster.sessionTimeout().toNanos();
        this.trustNanos = session * 2 / 3;
        this.pollNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(100), session / 20);
        client.getConnectionStateListenable().addListener(connectionWatch);
    }

    /** One tenure: valid until the connection falters or the poll goes unanswered too long. */
    private final class Tenure implements Grant {
        private final long generation;
        private final boolean othersHeldSince;
        private volatile boolean lost;
        private volatile long confirmedAt;

        Tenure(long generation, boolean othersHeldSince, long confirmedAt) {
            this.generation = generation;
            this.othersHeldSince = othersHeldSince;
            this.confirmedAt = confirmedAt;
        }

        @Override
        public long generation() {
            return generation;
        }

        @Override
        public boolean othersHeldSince() {
            return othersHeldSince;
        }

        @Override
        public boolean valid() {
            return !lost && System.nanoTime() - confirmedAt < trustNanos;
        }
    }

    @Override
    public Optional<Grant> take(Duration timeout) throws IOException {
        // Wait for the connection within the timeout, not for Curator's own retries beyond it.
        if (!awaitConnection(timeout)) {
            throw new IOException("not connected to ZooKeeper; the lock of " + path + " cannot be taken now");
        }
        return onOwner(() -> {
            if (tenure != null) {
                throw new IllegalStateException("lock " + path + " is already held by this node");
            }
            if (!mutex.acquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
            long asked = System.nanoTime(); // the reads below answer after this: the session lived then
            long generation;
            boolean othersHeldSince;
            try {
                Stat previous = client.checkExists().forPath(path + GENERATION);
                othersHeldSince = previous == null || previous.getMzxid() != lastGeneration;
                generation = writeGeneration();
            } catch (Exception e) {
                mutex.release();
                throw e;
            }
            lastGeneration = generation;
            contended = false;
            Tenure granted = new Tenure(generation, othersHeldSince, asked);
            tenure = granted;
            poll = cluster.poller().scheduleWithFixedDelay(() -> poll(granted), pollNanos, pollNanos,
                    TimeUnit.NANOSECONDS);
            watchContenders(granted);
            return Optional.of(granted);
        });
    }

    private boolean awaitConnection(Duration timeout) throws IOException {
        try {
            return client.blockUntilConnected(Math.toIntExact(Math.max(1, timeout.toMillis())),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for ZooKeeper", e);
        }
    }

    /** Records this node as the holder; the write's zxid is the new generation. */
    private long writeGeneration() throws Exception {
        byte[] holder = cluster.nodeName().getBytes(StandardCharsets.UTF_8);
        String generationPath = path + GENERATION;
        try {
            return client.setData().forPath(generationPath, holder).getMzxid();
        } catch (KeeperException.NoNodeException first) {
            client.create().creatingParentsIfNeeded().forPath(generationPath, holder);
            return client.setData().forPath(generationPath, holder).getMzxid();
        }
    }

    /**
     * Watches the lock's queue for as long as {@code watched} lasts: a node
     * that comes to wait is seen within milliseconds, not at the next poll
     * (which goes on confirming the session, and looks too). A watch fires
     * once; each firing looks again and sets the next.
     */
    private void watchContenders(Tenure watched) {
        if (tenure != watched) {
            return; // the tenure ended: its watch ends with it
        }
        try {
            List<String> queued = client.getChildren().usingWatcher((CuratorWatcher) event ->
                    cluster.poller().execute(() -> watchContenders(watched))).forPath(path + "/lock");
            if (tenure == watched) {
                queueSeen(queued.size());
            }
        } catch (Exception e) {
            LOG.debug("lock {}: watching for waiting nodes failed: {}; the poll still looks", path, e.toString());
        }
    }

    /** The lock's queue holds {@code nodes} (this holder's included): more than one wait, the holder is told. */
    private void queueSeen(int nodes) {
        contended = nodes > 1;
        if (nodes > 1) {
            wake.run();
        }
    }

    @Override
    public void onContention(Runnable wake) {
        this.wake = wake;
    }

    /** Confirms the session is alive and looks for other nodes queued behind this one. */
    private void poll(Tenure polled) {
        long asked = System.nanoTime();
        try {
            int queued = mutex.getParticipantNodes().size();
            polled.confirmedAt = asked;
            queueSeen(queued);
        } catch (Exception e) {
            LOG.debug("lock {}: poll failed: {}", path, e.toString());
        }
    }

    private void connectionChanged(CuratorFramework changed, ConnectionState state) {
        Tenure current = tenure;
        if (current != null && (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST)) {
            current.lost = true;
            LOG.warn("lock {}: ZooKeeper connection {}; this node stops changing the volume until it holds the"
                    + " lock again", path, state.name().toLowerCase());
        }
    }

    /**
     * Gives the lock up. Waits at most {@link #RELEASE_WAIT} for ZooKeeper:
     * with the ensemble out of reach the release finishes in the background
     * (the owner thread runs it before any later take), and the session's end
     * frees the lock node anyway.
     */
    @Override
    public void release() throws IOException {
        onOwner(RELEASE_WAIT, () -> {
            Tenure ended = tenure;
            if (ended == null) {
                return null;
            }
            ended.lost = true;
            tenure = null;
            poll.cancel(false);
            try {
                mutex.release();
            } catch (IllegalMonitorStateException | KeeperException e) {
                // The session ended and took the lock node with it: nothing is held any more.
                LOG.info("lock {}: released after the session ended ({})", path, e.toString());
            }
            return null;
        });
    }

    @Override
    public boolean contended() {
        return tenure != null && contended;
    }

    @FunctionalInterface
    private interface OwnerCall<T> {
        T call() throws Exception;
    }

    private <T> T onOwner(OwnerCall<T> call) throws IOException {
        return onOwner(null, call);
    }

    /** Runs {@code call} on the owner thread; with a {@code wait}, returns null if it takes longer. */
    private <T> T onOwner(Duration wait, OwnerCall<T> call) throws IOException {
        Future<T> result = owner.submit(call::call);
        try {
            return wait == null ? result.get() : result.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException slow) {
            LOG.warn("lock {}: ZooKeeper is slow to take the release; it finishes in the background", path);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while taking or releasing lock " + path, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException("lock " + path + ": ZooKeeper failed: " + cause, cause);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            release();
        } finally {
            client.getConnectionStateListenable().removeListener(connectionWatch);
            owner.shutdown();
        }
    }
}
