package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.snapshare.store.DataChecksum;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.IdRange;
import org.snapshare.util.BlockingIo;

/**
 * The copy-on-write step before origin chunks change (docs/SNAPSHOTS.md, "Origin
 * write"): the live snapshots lacking a copy of a chunk are grouped into
 * maximal id ranges, and the old chunk is written to one store chunk per
 * range. The chunks of one write are copied in batches of up to
 * {@link #BATCH_BYTES}: one origin read per batch, and copies placed in
 * ascending store chunks so that neighbours go out in one write. The caller
 * holds the chunks' locks and commits before it writes the origin.
 */
final class OriginCopier {

    /** Most origin bytes one batch reads and holds, unless one chunk is larger (a 1 MiB write of 64 KiB chunks is one batch). */
    static final int BATCH_BYTES = 1 << 20;

    /** One copy a batch needs: origin chunk {@code chunk} for the snapshot ids {@code ids}. */
    private record Need(long chunk, IdRange ids) {
    }

    private final ChunkData data;
    private final int batchChunks;
    /** Chunks copied for snapshots since the volume was opened (metrics). */
    final AtomicLong copies = new AtomicLong();

    OriginCopier(ChunkData data) {
        this.data = data;
        this.batchChunks = Math.max(1, BATCH_BYTES / data.chunkSize);
    }

    /** Copies the chunk for the snapshots that still share it; true when the store changed. */
    boolean preserve(long chunk) throws IOException {
        return preserve(chunk, chunk);
    }

    /** Copies chunks {@code first..last} for the snapshots that still share them; true when the store changed. */
    boolean preserve(long first, long last) throws IOException {
        boolean changed = false;
        for (long from = first; from <= last; from += batchChunks) {
            changed |= preserveBatch(from, Math.min(last, from + batchChunks - 1));
        }
        return changed;
    }

    /** True when a live snapshot still reads this chunk from the origin. */
    boolean shared(long chunk) throws IOException {
        return !data.store.rangesLackingCopy(chunk).isEmpty();
    }

    private boolean preserveBatch(long first, long last) throws IOException {
        if (!anyShared(first, last)) {
            return false; // the common case: no pool stand-in, no store lock
        }
        // Atomic: a commit by another thread must not catch a chunk allocated before its entry exists.
        // A managed block: while a command worker waits for the copy's disk I/O, another may serve the connection.
        try {
            return BlockingIo.run(() -> data.store.atomically(() -> copy(first, last)));
        } catch (IOException | RuntimeException e) {
            commitCopiesMadeBefore(e);
            throw e;
        }
    }

    /**
     * A batch failed part-way (a tree node the full store could not allocate): the entries it added name copies
     * that are on disk, and a later write to their chunks finds nothing to copy and goes straight to the origin.
     * Committed now, they are durable before that write; if the commit fails too, the store refuses every
     * change from then on (a restart recovers from the last commit), so no such write reaches the origin.
     */
    private void commitCopiesMadeBefore(Exception failure) {
        try {
            data.store.commit();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Whether a live snapshot still reads any of the chunks from the origin (rechecked, atomically, by the copy). */
    private boolean anyShared(long first, long last) throws IOException {
        for (long chunk = first; chunk <= last; chunk++) {
            if (shared(chunk)) {
                return true;
            }
        }
        return false;
    }

    private boolean copy(long first, long last) throws IOException {
        List<Need> needs = new ArrayList<>();
        for (long chunk = first; chunk <= last; chunk++) {
            for (IdRange ids : data.store.rangesLackingCopy(chunk)) {
                needs.add(new Need(chunk, ids));
            }
        }
        if (needs.isEmpty()) {
            return false;
        }
        ByteBuffer batch = CopyBuffers.take();
        try {
            copy(needs, batch);
        } finally {
            CopyBuffers.give(batch);
        }
        return true;
    }

    /** Copies what {@code needs} (in chunk order) into the store, through {@code batch}. */
    private void copy(List<Need> needs, ByteBuffer batch) throws IOException {
        long firstNeeded = needs.get(0).chunk();
        ByteBuffer old = data.readOrigin(firstNeeded, needs.get(needs.size() - 1).chunk(), batch);
        List<Need> placed = new ArrayList<>(needs.size());
        long[] stored = allocate(needs, placed);
        long[] checksums = new long[placed.size()];
        for (int i = 0; i < placed.size(); i++) {
            long chunk = placed.get(i).chunk();
            boolean sameChunk = i > 0 && placed.get(i - 1).chunk() == chunk; // a second range's copy
            checksums[i] = sameChunk ? checksums[i - 1] : DataChecksum.of(chunkOf(old, chunk - firstNeeded, 1));
        }
        for (int start = 0, end; start < placed.size(); start = end) {
            end = start + 1;
            while (end < placed.size() && stored[end] == stored[end - 1] + 1
                    && placed.get(end).chunk() == placed.get(end - 1).chunk() + 1) {
                end++;
            }
            data.store.writeCopies(stored[start], chunkOf(old, placed.get(start).chunk() - firstNeeded, end - start),
                    Arrays.copyOfRange(checksums, start, end));
        }
        enter(placed, stored, checksums);
    }

    /**
     * Adds the copies' entries. One the tree has no room for is handled by
     * the store-full policy (its chunk given back, its snapshots invalid, or
     * the write refused); when the write is refused, the chunks of the copies
     * not entered yet are given back too.
     */
    private void enter(List<Need> placed, long[] stored, long[] checksums) throws IOException {
        int next = 0;
        try {
            for (; next < placed.size(); next++) {
                Need need = placed.get(next);
                if (data.store.addCopy(new ExceptionEntry(need.chunk(), need.ids().from(), need.ids().to(),
                        stored[next], checksums[next]))) {
                    copies.incrementAndGet();
                }
            }
        } catch (IOException | RuntimeException e) {
            for (int left = next + 1; left < placed.size(); left++) {
                data.store.freeChunk(stored[left]);
            }
            throw e;
        }
    }

    /**
     * A store chunk for each need, ascending in the order of the needs (the
     * store hands chunks out top-down), so that neighbouring chunks are
     * neighbours in the store too. A need left without a chunk (the store is
     * full and its policy invalidated those snapshots) is not in
     * {@code placed}. On a failure the chunks taken so far are given back.
     */
    private long[] allocate(List<Need> needs, List<Need> placed) throws IOException {
        List<Long> taken = new ArrayList<>(needs.size());
        try {
            for (Need need : needs) {
                Optional<Long> copy = data.store.allocateCopy(need.ids());
                if (copy.isPresent()) {
                    taken.add(copy.get());
                    placed.add(need);
                }
            }
        } catch (IOException | RuntimeException e) {
            for (long chunk : taken) {
                data.store.freeChunk(chunk);
            }
            throw e;
        }
        return taken.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** {@code count} whole chunks of a batch buffer from chunk {@code index}. */
    private ByteBuffer chunkOf(ByteBuffer batch, long index, int count) {
        return batch.slice(Math.toIntExact(index * data.chunkSize), count * data.chunkSize);
    }
}
