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
        SnapshotTree tree = store.tree();
        Optional<Map<Long, Long>> ownedChunks = Optional.empty();
        Optional<Map<Long, Long>> treeChunks = Optional.empty();
        Optional<Map<IdRange, Long>> copied = copiedChunksByRange(store);
        if (copied.isPresent()) {
            ownedChunks = Optional.of(owned(copied.get(), tree.kept()));
            treeChunks = Optional.of(heldByTrees(copied.get(), tree));
        }
        Rollback rollback = io.rollback();
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
            long held = treeChunks.map(chunks -> chunks.getOrDefault(info.id(), 0L)).orElse(-1L);
            rows.add(new SnapshotStatus(info.name(), info.created(), state, owned < 0 ? -1 : owned * store.chunkSize(),
                    held < 0 ? -1 : held * store.chunkSize(), work, names.getOrDefault(info.parentId(), "")));
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
     * Copied chunks by the id range of their entries: the store's range
     * counters (format 3), else a walk of the tree; empty when damaged
     * metadata makes that walk impossible.
     */
    private static Optional<Map<IdRange, Long>> copiedChunksByRange(ExceptionStore store) throws IOException {
        Optional<Map<IdRange, Long>> byRange = store.copiedChunksByRange();
        if (byRange.isPresent()) {
            return byRange;
        }
        Map<IdRange, Long> counted = new HashMap<>();
        try {
            store.scan(0, 0, entry -> {
                if (!entry.zeros()) {
                    counted.merge(new IdRange(entry.fromId(), entry.toId()), 1L, Long::sum);
                }
                return true;
            });
            return Optional.of(counted);
        } catch (StoreCorruptException damaged) {
            return Optional.empty(); // the table still lists the snapshots; what they own is unreadable
        }
    }

    /** Copied chunks each kept snapshot alone reads (the only kept id of their range). */
    private static Map<Long, Long> owned(Map<IdRange, Long> byRange, LiveIds kept) {
        Map<Long, Long> owned = new HashMap<>();
        byRange.forEach((range, chunks) -> {
            long owner = kept.soleIn(range.from(), range.to());
            if (owner != 0) {
                owned.merge(owner, chunks, Long::sum);
            }
        });
        return owned;
    }

    /**
     * Copied chunks only a snapshot and those taken of it read, for each
     * snapshot: a range's chunks count for the nearest common ancestor of its
     * kept ids and for every ancestor of that one (deleting a snapshot with
     * all its descendants frees them); none when the ids have only the origin
     * in common.
     */
    private static Map<Long, Long> heldByTrees(Map<IdRange, Long> byRange, SnapshotTree tree) {
        Map<Long, Long> held = new HashMap<>();
        byRange.forEach((range, chunks) -> {
            long[] common = {-1};
            tree.kept().forEachIn(range.from(), range.to(), id -> {
                common[0] = common[0] < 0 ? id : tree.commonAncestor(common[0], id);
                return common[0] != 0;
            });
            for (long at = Math.max(0, common[0]); at != 0; at = tree.parentOf(at)) {
                held.merge(at, chunks, Long::sum);
            }
        });
        return held;
    }
}
