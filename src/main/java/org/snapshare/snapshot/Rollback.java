package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.store.ExceptionEntry;

/**
 * Online rollback of the origin to a snapshot's content, chunk by chunk.
 * Until chunk c is rolled back, the origin reads c as the snapshot does; an
 * origin write to c rolls c back first. Other snapshots keep their content:
 * rolling a chunk back is an origin write, so it copies for them first. The
 * origin past the snapshot's end (it grew since) keeps its own content: a
 * store entry there may still name the snapshot's id (a copy made for a
 * bigger snapshot covers every id lacking one), so those chunks are never
 * rolled, and a chunk the snapshot ends inside is rolled only up to its end,
 * at once ({@link #rollPartialEnd}), so no read finds its tail as the snapshot.
 */
final class Rollback implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Rollback.class);
    private static final int CURSOR_EVERY_CHUNKS = 256;

    final long snapshotId;
    final String snapshotName;
    private final VolumeIo io;
    private final RollbackJournal journal;
    private final ClusterGate gate;
    /** The snapshot's size, and the chunks the rollback covers: the origin's, up to the snapshot's end. */
    private final long snapshotBytes;
    private final long chunks;
    private final Set<Long> done = ConcurrentHashMap.newKeySet();
    private final Object journalLock = new Object();
    private volatile long cursor;
    private volatile long durableCursor;
    private volatile boolean stopped;
    private volatile IOException failure;

    Rollback(VolumeIo io, RollbackJournal journal, RollbackJournal.State from, long snapshotBytes, ClusterGate gate) {
        this.io = io;
        this.journal = journal;
        this.gate = gate;
        this.snapshotId = from.snapshotId();
        this.snapshotName = from.snapshotName();
        this.snapshotBytes = snapshotBytes;
        long chunkSize = io.data.chunkSize;
        this.chunks = Math.min(io.data.originChunks(), (snapshotBytes + chunkSize - 1) / chunkSize);
        this.cursor = from.cursor();
        this.durableCursor = from.cursor();
        this.done.addAll(from.done());
    }

    boolean isRolled(long chunk) {
        return chunk >= chunks || chunk < cursor || done.contains(chunk);
    }

    /** Rolls the chunk the snapshot ends inside, if any; before the rollback is installed (or resumed). */
    void rollPartialEnd() throws IOException {
        long chunkSize = io.data.chunkSize;
        if (snapshotBytes % chunkSize == 0 || chunks == 0) {
            return;
        }
        try (ChunkLocks.Held locked = io.locks.lock(chunks - 1, true)) {
            ensureRolled(chunks - 1);
        }
    }

    /** Before an origin write to {@code chunk}; the caller holds the chunk's lock exclusively. */
    void ensureRolled(long chunk) throws IOException {
        if (chunk >= chunks || chunk < durableCursor || done.contains(chunk)) {
            return;
        }
        if (chunk < cursor) {
            persistCursor(); // else a resumed rollback would redo the chunk over this write
            return;
        }
        rollChunk(chunk);
        io.data.origin.flush();
        journal.done(chunk);
        done.add(chunk);
    }

    /** Fraction done, 0..1. */
    double progress() {
        return chunks == 0 ? 1 : Math.min(1.0, (double) cursor / chunks);
    }

    IOException failure() {
        return failure;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        long lastPersist = System.nanoTime();
        try {
            while (!stopped && cursor < chunks) {
                long chunk = cursor;
                Optional<ClusterGate.Pass> pass = gate.enterIfHeld();
                if (pass.isEmpty()) {
                    break; // the lock is being handed over: the next holder resumes from the journal
                }
                try (ClusterGate.Pass held = pass.get(); ChunkLocks.Held locked = io.locks.lock(chunk, true)) {
                    if (!done.contains(chunk)) {
                        rollChunk(chunk);
                    }
                    cursor = chunk + 1;
                }
                if (chunk % CURSOR_EVERY_CHUNKS == 0 || System.nanoTime() - lastPersist > 1_000_000_000L) {
                    persistCursor();
                    lastPersist = System.nanoTime();
                }
            }
            persistCursor();
            if (cursor >= chunks) {
                io.rollback(null);
                journal.finish();
                LOG.info("rollback to snapshot {} finished", snapshotName);
            } else {
                journal.close();
                LOG.info("rollback to snapshot {} paused at {}%; it resumes when this volume is opened or its"
                        + " cluster lock taken again", snapshotName, Math.round(progress() * 100));
            }
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            LOG.error("rollback to snapshot {} stopped at chunk {}: {}; it resumes on the next start", snapshotName,
                    cursor, e.getMessage(), e);
        }
    }

    /** Makes the origin equal to the snapshot in {@code chunk}; copies for the other snapshots first. */
    private void rollChunk(long chunk) throws IOException {
        ExceptionEntry entry = io.data.store.visible(chunk, snapshotId).orElse(null);
        if (entry == null) {
            return; // the snapshot still shares this chunk with the origin
        }
        ByteBuffer content = io.data.readStored(entry);
        if (io.copier.preserve(chunk)) {
            io.data.store.commit();
        }
        io.data.writeOrigin(chunk, content, (int) Math.min(io.data.chunkSize, snapshotBytes - chunk * io.data.chunkSize));
    }

    private void persistCursor() throws IOException {
        synchronized (journalLock) {
            long target = cursor;
            if (target <= durableCursor) {
                return;
            }
            io.data.origin.flush(); // the chunks below target are on disk before the journal says so
            journal.cursor(target);
            durableCursor = target;
        }
    }
}
