package org.snapshare.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.store.DeleteCursor;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.LiveIds;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;
import org.snapshare.store.StoreFullException;

/**
 * Reclaims the chunks of deleted snapshots: walks the whole tree in steps of
 * a few hundred entries, removes entries whose id range holds no live
 * snapshot, and keeps its cursor in the commit block, so a restart resumes
 * where it stopped. Deletes requested while a walk runs wait for the next
 * walk; all deletes pending at a walk's start share it. A snapshot leaves
 * the table only after a walk that began after its delete has finished.
 */
final class BackgroundDelete implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundDelete.class);
    static final int STEP_ENTRIES = 256;

    private final ChunkData data;
    private final ChunkLocks locks;
    private final String volume;
    private final ClusterGate gate;
    private final Object wakeUp = new Object();
    private volatile boolean stopped;
    private volatile boolean walking;
    private boolean pendingWake;
    private volatile long reclaimedChunks;
    private volatile String failure;

    BackgroundDelete(ChunkData data, ChunkLocks locks, String volume, ClusterGate gate) {
        this.data = data;
        this.locks = locks;
        this.volume = volume;
        this.gate = gate;
    }

    /** A snapshot was marked DELETING. */
    void wake() {
        synchronized (wakeUp) {
            pendingWake = true;
            wakeUp.notifyAll();
        }
    }

    void stop() {
        stopped = true;
        wake();
    }

    /** How far reclaiming is, 0..1, while there is any to do; empty when idle. */
    Optional<Double> fraction() {
        if (!busy()) {
            return Optional.empty();
        }
        return Optional.of(walking ? Math.min(1.0, (double) data.store.deleteCursor().originChunk()
                / Math.max(1, data.originChunks())) : 0.0);
    }

    /** Why it stopped, if an error stopped it (a restart resumes it). */
    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** "idle", or how far the walk is. */
    String progress() {
        if (failure != null) {
            return "background delete stopped by an error (" + failure + "); restart the server to resume";
        }
        if (!walking) {
            return busy() ? "reclaiming deleted snapshots: starting" : "idle";
        }
        long chunk = data.store.deleteCursor().originChunk();
        return String.format("reclaiming deleted snapshots: %d%% (origin chunk %d of %d, %d chunks freed)",
                Math.min(100, chunk * 100 / Math.max(1, data.originChunks())), chunk, data.originChunks(),
                reclaimedChunks);
    }

    boolean busy() {
        return walking || !deleting().isEmpty();
    }

    /**
     * Walks while this node holds the volume's lock; when it hands the lock
     * over, the walk pauses (its cursor is in the commit) and the next
     * holder's walker, woken by its tenure, carries on from there.
     */
    @Override
    public void run() {
        try {
            while (!stopped) {
                Optional<Set<Long>> covered = nextWalk();
                if (covered.isEmpty()) {
                    waitForWork();
                    continue;
                }
                walk(covered.get());
            }
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
            LOG.error("background delete on volume {} stopped: {}; it resumes on the next start", volume,
                    e.getMessage(), e);
        } finally {
            walking = false;
        }
    }

    /** The snapshots the next walk may forget, or empty when there is nothing to do (or the lock is elsewhere). */
    private Optional<Set<Long>> nextWalk() {
        Optional<ClusterGate.Pass> pass = gate.enterIfHeld();
        if (pass.isEmpty()) {
            return Optional.empty();
        }
        try (ClusterGate.Pass held = pass.get()) {
            Set<Long> pending = deleting();
            boolean resuming = !data.store.deleteCursor().idle();
            if (pending.isEmpty() && !resuming) {
                return Optional.empty();
            }
            // A walk resumed (after a restart or a handover) started before some of these deletes: it covers none.
            return Optional.of(resuming ? Set.of() : pending);
        }
    }

    private void waitForWork() {
        synchronized (wakeUp) {
            while (!pendingWake && !stopped) {
                try {
                    wakeUp.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = true;
                }
            }
            pendingWake = false;
        }
    }

    /** One walk, a step per pass; it stops early when the lock changes hands (the cursor says where). */
    private void walk(Set<Long> covered) throws IOException {
        walking = true;
        long started = System.nanoTime();
        long freedBefore = reclaimedChunks;
        long tenure = -1;
        while (!stopped) {
            Optional<ClusterGate.Pass> pass = gate.enterIfHeld();
            if (pass.isEmpty() || (tenure >= 0 && pass.get().tenure() != tenure)) {
                pass.ifPresent(ClusterGate.Pass::close);
                break; // another node may have moved the walk on meanwhile: start over from its cursor
            }
            try (ClusterGate.Pass held = pass.get()) {
                tenure = held.tenure();
                if (!step()) {
                    finish(covered);
                    LOG.info("volume {}: background delete walk done in {} ms, {} chunks freed, {} snapshot(s)"
                            + " forgotten", volume, (System.nanoTime() - started) / 1_000_000,
                            reclaimedChunks - freedBefore, covered.size());
                    break;
                }
            }
        }
        walking = false;
    }

    private void finish(Set<Long> covered) throws IOException {
        data.store.atomically(() -> {
            data.store.setDeleteCursor(0, 0);
            for (long id : covered) {
                data.store.forgetSnapshot(id);
            }
            return null;
        });
        data.store.commit();
    }

    /** One step from the cursor; false when the walk reached the end of the tree. */
    private boolean step() throws IOException {
        DeleteCursor cursor = data.store.deleteCursor();
        List<ExceptionEntry> batch = new ArrayList<>();
        data.store.scan(cursor.originChunk(), cursor.fromId(), entry -> batch.add(entry) && batch.size() < STEP_ENTRIES);
        if (batch.isEmpty()) {
            return false;
        }
        LiveIds live = data.store.liveIds();
        for (ExceptionEntry entry : batch) {
            if (!live.anyIn(entry.fromId(), entry.toId())) {
                reclaimInFullStore(entry);
            }
        }
        ExceptionEntry last = batch.get(batch.size() - 1);
        data.store.setDeleteCursor(last.originChunk(), last.fromId() + 1);
        data.store.commit();
        return true;
    }

    /**
     * Reclaims the entry; when the store has no room left even for a
     * removal's shadowed nodes, commits first: that gives back the chunks
     * this step's removals freed and the nodes they replaced.
     */
    private void reclaimInFullStore(ExceptionEntry entry) throws IOException {
        try {
            reclaim(entry);
        } catch (StoreFullException full) {
            data.store.commit();
            reclaim(entry);
        }
    }

    private void reclaim(ExceptionEntry entry) throws IOException {
        try (ChunkLocks.Held held = locks.lock(entry.originChunk(), true)) {
            // A snapshot write may have split the entry since it was scanned.
            boolean removed = data.store.atomically(() -> {
                if (!data.store.entries(entry.originChunk()).contains(entry)) {
                    return false;
                }
                data.store.removeEntry(entry.originChunk(), entry.fromId());
                if (!entry.zeros()) {
                    data.store.freeChunk(entry.storeChunk()); // in the same commit as the removal: no leak
                }
                return true;
            });
            if (removed) {
                reclaimedChunks++;
            }
        }
    }

    /** Deleted snapshots no live snapshot was taken of (those stay, unserved, while it lives: SnapshotTree). */
    private Set<Long> deleting() {
        Set<Long> ids = new HashSet<>();
        LiveIds kept = data.store.liveIds();
        for (SnapshotInfo info : data.store.snapshots()) {
            if (info.state() == SnapshotState.DELETING && !kept.anyIn(info.id(), info.id())) {
                ids.add(info.id());
            }
        }
        return ids;
    }

}
