package org.snapshare.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;
import org.snapshare.store.SnapshotTree;

/**
 * Computes a {@link VolumeDiff} from the exception store's entries alone: a
 * snapshot reads an origin chunk from the entry that covers its id, else as
 * its parent does, up to the origin ({@link SnapshotTree#visible}), so two points in time differ in a chunk exactly
 * when they read it from different places. No data is read. The tree is
 * walked a step at a time, each step inside the cluster gate, so I/O to the
 * volume goes on meanwhile; a copy-on-write made during the walk can only
 * add chunks that read the same on both sides (harmless), never hide one.
 */
final class DiffScan {

    /** Entries per step: the store lock is held for one step at a time. */
    static final int STEP_ENTRIES = 4096;
    /** A chunk read from the origin, not from an entry. */
    private static final long FROM_ORIGIN = -1;

    private final ExceptionStore store;
    private final ClusterGate gate;
    private final String volume;
    private final int chunkSize;

    DiffScan(ExceptionStore store, ClusterGate gate, String volume) {
        this.store = store;
        this.gate = gate;
        this.volume = volume;
        this.chunkSize = store.chunkSize();
    }

    /** {@code to} empty: the origin, {@code originBytes} long; {@code from} empty: every byte is a change. */
    VolumeDiff run(Optional<SnapshotInfo> from, Optional<SnapshotInfo> to, long originBytes)
            throws IOException, SnapshotException {
        long sizeBytes = to.map(info -> sized(info, originBytes)).orElse(originBytes);
        // Chunks from here on are not (wholly) in from: changed whatever the entries say.
        long fromChunks = from.map(info -> sized(info, originBytes) / chunkSize).orElse(0L);
        long chunks = (sizeBytes + chunkSize - 1) / chunkSize;
        Runs runs = new Runs(sizeBytes);
        long next = 0;
        while (next < chunks) {
            List<ExceptionEntry> step = new ArrayList<>();
            long stepEnd;
            SnapshotTree tree;
            try (ClusterGate.Pass pass = gate.enter()) {
                requireLive(from);
                requireLive(to);
                tree = store.tree();
                stepEnd = scanStep(next, chunks, step);
            }
            int at = 0;
            long chunk = next;
            while (chunk < stepEnd) {
                long entriesAt = at < step.size() ? step.get(at).originChunk() : stepEnd;
                if (chunk < entriesAt) { // no entries: both sides read the origin
                    runs.add(Math.max(chunk, fromChunks), entriesAt, false);
                    chunk = entriesAt;
                    continue;
                }
                int first = at;
                while (at < step.size() && step.get(at).originChunk() == chunk) {
                    at++;
                }
                List<ExceptionEntry> entries = step.subList(first, at);
                ExceptionEntry toEntry = to.isPresent() ? tree.visible(entries, to.get().id()) : null;
                boolean changed = chunk >= fromChunks
                        || source(tree.visible(entries, from.get().id())) != source(toEntry);
                if (changed) {
                    runs.add(chunk, chunk + 1, toEntry != null && toEntry.zeros());
                }
                chunk++;
            }
            next = stepEnd;
        }
        return new VolumeDiff(from, to, sizeBytes, chunkSize, runs.list);
    }

    /** A snapshot taken before volumes could grow has size 0 in the table: the volume's size. */
    private static long sized(SnapshotInfo info, long originBytes) {
        return info.sizeBytes() > 0 ? info.sizeBytes() : originBytes;
    }

    private void requireLive(Optional<SnapshotInfo> snapshot) throws SnapshotException {
        if (snapshot.isPresent()) {
            Optional<SnapshotInfo> now = store.snapshot(snapshot.get().id());
            if (now.isEmpty() || now.get().state() != SnapshotState.LIVE) {
                throw new SnapshotException("snapshot " + snapshot.get().name() + " of volume " + volume
                        + " was deleted or became invalid meanwhile");
            }
        }
    }

    /**
     * Collects the entries of chunks {@code from} onward into {@code step},
     * at least {@link #STEP_ENTRIES} unless the tree ends first, always
     * every entry of a chunk; returns the chunk where the next step starts.
     */
    private long scanStep(long from, long endChunk, List<ExceptionEntry> step) throws IOException {
        long[] stop = {endChunk};
        store.scan(from, 0, entry -> {
            if (entry.originChunk() >= endChunk) {
                return false;
            }
            if (step.size() >= STEP_ENTRIES && entry.originChunk() != step.get(step.size() - 1).originChunk()) {
                stop[0] = entry.originChunk();
                return false;
            }
            return step.add(entry);
        });
        return stop[0];
    }

    /** Where a chunk is read from: an entry (named by its from id, unique per chunk) or the origin. */
    private static long source(ExceptionEntry entry) {
        return entry == null ? FROM_ORIGIN : entry.fromId();
    }

    /** Changed chunks merged into runs of bytes, clipped to the volume's size. */
    private final class Runs {

        final List<ChangedRun> list = new ArrayList<>();
        private final long sizeBytes;

        Runs(long sizeBytes) {
            this.sizeBytes = sizeBytes;
        }

        void add(long fromChunk, long toChunk, boolean zeros) {
            if (fromChunk >= toChunk) {
                return;
            }
            long offset = fromChunk * chunkSize;
            long end = Math.min(sizeBytes, toChunk * chunkSize);
            if (!list.isEmpty()) {
                ChangedRun last = list.get(list.size() - 1);
                if (last.end() == offset && last.zeros() == zeros) {
                    list.set(list.size() - 1, new ChangedRun(last.offset(), end - last.offset(), zeros));
                    return;
                }
            }
            list.add(new ChangedRun(offset, end - offset, zeros));
        }
    }
}
