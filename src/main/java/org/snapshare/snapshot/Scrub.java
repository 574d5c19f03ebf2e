package org.snapshare.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.StoreScrub;

/**
 * An online scrub of one volume's store (`snapshare scrub VOLUME`): runs the
 * store's scrub a step at a time, each step inside the volume's cluster
 * gate (so only the lock holder heals), and sleeps between steps to keep to
 * a read rate, so the volume's I/O keeps its disk.
 */
final class Scrub implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Scrub.class);
    private static final long WAIT_FOR_LOCK_MILLIS = 200;

    private final StoreScrub scrub;
    private final ClusterGate gate;
    private final String volume;
    private final long bytesPerSecond;
    private final long originChunks;
    /** Told of each copy found damaged (reads must check it again, not trust an earlier check). */
    private final Consumer<ExceptionEntry> onDamagedCopy;
    private int damagedCopiesTold;
    private final long started = System.nanoTime();
    private volatile boolean stopped;
    private volatile boolean waitingForLock;
    private volatile String finished;
    private volatile String failure;

    Scrub(StoreScrub scrub, ClusterGate gate, String volume, long bytesPerSecond, long originChunks,
            Consumer<ExceptionEntry> onDamagedCopy) {
        this.scrub = scrub;
        this.gate = gate;
        this.volume = volume;
        this.bytesPerSecond = bytesPerSecond;
        this.originChunks = originChunks;
        this.onDamagedCopy = onDamagedCopy;
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                Optional<ClusterGate.Pass> pass = gate.enterIfHeld();
                waitingForLock = pass.isEmpty();
                if (pass.isEmpty()) {
                    sleep(WAIT_FOR_LOCK_MILLIS); // another node holds the volume: go on when this one does
                    continue;
                }
                boolean more;
                try (ClusterGate.Pass held = pass.get()) {
                    more = scrub.step();
                }
                List<ExceptionEntry> damaged = scrub.damagedCopies();
                damaged.subList(damagedCopiesTold, damaged.size()).forEach(onDamagedCopy);
                damagedCopiesTold = damaged.size();
                if (!more) {
                    finished = summary();
                    LOG.info("volume {}: {}", volume, finished);
                    return;
                }
                throttle();
            }
            failure = "stopped when the volume was closed; run it again";
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
            LOG.error("scrub of volume {} stopped: {}", volume, e.getMessage(), e);
        }
    }

    /** Sleeps as long as it takes for the bytes read so far to stay within the rate. */
    private void throttle() {
        long due = TimeUnit.SECONDS.toNanos(1) * scrub.bytesRead() / bytesPerSecond;
        long ahead = due - (System.nanoTime() - started);
        if (ahead > 0) {
            sleep(TimeUnit.NANOSECONDS.toMillis(ahead) + 1);
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }

    void stop() {
        stopped = true;
    }

    boolean running() {
        return finished == null && failure == null;
    }

    /** How far it is, 0..1, while it runs; empty once it has ended. */
    Optional<Double> fraction() {
        if (!running()) {
            return Optional.empty();
        }
        return Optional.of((double) Math.min(scrub.originChunkReached(), originChunks)
                / Math.max(1, originChunks));
    }

    /** Why it stopped, if an error stopped it. */
    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** One line while it runs; when it is over, the summary and each block or chunk it could not mend. */
    String status() {
        if (failure != null) {
            return "scrub stopped by an error (" + failure + ")";
        }
        if (finished != null) {
            return finished;
        }
        if (waitingForLock) {
            return "scrub: waiting for this node to hold the volume's cluster lock";
        }
        long reached = Math.min(scrub.originChunkReached(), originChunks);
        return String.format("scrub: %d%% (origin chunk %d of %d), %s", reached * 100 / Math.max(1, originChunks),
                reached, originChunks, counts());
    }

    private String counts() {
        return String.format("%d metadata blocks and %d copied chunks read (%.1f MiB), %d metadata copies healed",
                scrub.blocksRead(), scrub.dataChunksRead(), scrub.bytesRead() / 1048576.0, scrub.healed());
    }

    private String summary() {
        double seconds = (System.nanoTime() - started) / 1e9;
        List<String> lost = new ArrayList<>(scrub.unhealable());
        lost.addAll(scrub.damagedData());
        String head = String.format("scrub finished in %.1f s at %.1f MiB/s: %s; ", seconds,
                scrub.bytesRead() / 1048576.0 / Math.max(seconds, 1e-3), counts());
        if (lost.isEmpty()) {
            return head + "nothing damaged";
        }
        return head + lost.size() + " damaged beyond healing:\n  " + String.join("\n  ", lost);
    }
}
