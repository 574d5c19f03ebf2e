package org.snapshare.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.IdRange;
import org.snapshare.store.LiveIds;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;
import org.snapshare.store.SnapshotTree;
import org.snapshare.store.StoreCorruptException;

/**
 * A volume's snapshots as users see them: each one's state (a rollback in
 * progress included), the space only it uses and the background work on it.
 * Called under the volume's cluster gate.
 */
final class SnapshotRows {

    private final VolumeIo io;
    private final BackgroundDelete deleter;

    SnapshotRows(VolumeIo io, BackgroundDelete deleter) {
        this.io = io;
        this.deleter = deleter;
    }

    /** Every snapshot's name and state, in the table's order, from the table alone. */
    Map<String, SnapshotStatus.State> states() {
        Rollback rollback = io.rollback();
        Map<String, SnapshotStatus.State> states = new LinkedHashMap<>();
        for (SnapshotInfo info : io.store().snapshots()) {
            states.put(info.name(), stateOf(info, rollback));
        }
        return states;
    }

    /** Every snapshot with its state, the space only it uses, and background work on it. */
    List<SnapshotStatus> rows() throws IOException {
        ExceptionStore store = io.store();
        Optional<Map<Long, Long>> ownedChunks = ownedChunks(store, store.liveIds());
        Rollback rollback = io.rollback();
        SnapshotTree tree = store.tree();
        List<SnapshotInfo> snapshots = store.snapshots();
        Map<Long, String> names = new HashMap<>();
        snapshots.forEach(info -> names.put(info.id(), info.name()));
        List<SnapshotStatus> rows = new ArrayList<>();
        for (SnapshotInfo info : snapshots) {
            SnapshotStatus.State state = stateOf(info, rollback);
            boolean kept = tree.hasDescendants(info.id());
            String work = state == SnapshotStatus.State.DELETING
                    ? (kept ? "kept (unserved) while snapshots taken of it live" : deleter.progress())
                    : state == SnapshotStatus.State.ROLLING_BACK ? rollbackProgress(rollback) : "";
            // Deleting a snapshot that others were taken of frees nothing while they live.
            long owned = kept ? 0 : ownedChunks.map(chunks -> chunks.getOrDefault(info.id(), 0L)).orElse(-1L);
            rows.add(new SnapshotStatus(info.name(), info.created(), state, owned < 0 ? -1 : owned * store.chunkSize(),
                    work, names.getOrDefault(info.parentId(), "")));
        }
        return rows;
    }

    /** The running rollback's progress line, or empty when no rollback runs. */
    Optional<String> rollbackStatus() {
        Rollback rollback = io.rollback();
        return rollback == null ? Optional.empty()
                : Optional.of("rollback to " + rollback.snapshotName + ": " + rollbackProgress(rollback));
    }

    private static SnapshotStatus.State stateOf(SnapshotInfo info, Rollback rollback) {
        if (info.state() != SnapshotState.DELETING && rollback != null && rollback.snapshotId == info.id()) {
            return SnapshotStatus.State.ROLLING_BACK;
        }
        return SnapshotStatus.State.valueOf(info.state().name());
    }

    private static String rollbackProgress(Rollback rollback) {
        String progress = String.format("origin rolled back %d%%", Math.round(rollback.progress() * 100));
        return rollback.failure() == null ? progress
                : progress + ", stopped by an error (" + rollback.failure().getMessage() + "); restart to resume";
    }

    /**
     * Copied chunks each live snapshot alone reads: from the store's range
     * counters (format 3), else by a walk of the tree; empty when damaged
     * metadata makes that walk impossible.
     */
    private static Optional<Map<Long, Long>> ownedChunks(ExceptionStore store, LiveIds live) throws IOException {
        Map<Long, Long> owned = new HashMap<>();
        Optional<Map<IdRange, Long>> byRange = store.copiedChunksByRange();
        if (byRange.isPresent()) {
            byRange.get().forEach((range, chunks) -> {
                long owner = live.soleIn(range.from(), range.to());
                if (owner != 0) {
                    owned.merge(owner, chunks, Long::sum);
                }
            });
            return Optional.of(owned);
        }
        try {
            store.scan(0, 0, entry -> {
                long owner = live.soleIn(entry.fromId(), entry.toId());
                if (owner != 0 && !entry.zeros()) {
                    owned.merge(owner, 1L, Long::sum);
                }
                return true;
            });
            return Optional.of(owned);
        } catch (StoreCorruptException damaged) {
            return Optional.empty(); // the table still lists the snapshots; what they own is unreadable
        }
    }
}
