package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.UnaryOperator;
import org.snapshare.device.BlockDevice;
import org.snapshare.device.Extent;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;

/**
 * The I/O rules of docs/SNAPSHOTS.md for one volume: origin and snapshot reads and
 * writes, split at chunk boundaries, under the chunks' locks. Origin writes
 * also hold the point-in-time lock shared, so taking a snapshot (which holds
 * it exclusively) waits for in-flight origin writes and holds back new ones.
 * An origin write whose chunks' copies are not committed yet is deferred
 * ({@link PendingWrites}): acknowledged at once, read back at once, and
 * written to the origin device only after the commit that makes those copies
 * durable.
 */
final class VolumeIo {

    /** UNMAP holds the locks of at most this many chunks at a time, so I/O to them is never held up long. */
    static final int UNMAP_BATCH_CHUNKS = 256;

    final ChunkData data;
    final ChunkLocks locks = new ChunkLocks(512);
    /** Origin writes hold it shared; a snapshot, a rollback's start and a resize hold it exclusively. */
    private final ReentrantReadWriteLock pointInTime = new ReentrantReadWriteLock();
    final OriginCopier copier;
    /** Origin writes waiting for their copies' commit (docs/SNAPSHOTS.md, "Deferred origin writes"). */
    final PendingWrites pending = new PendingWrites(new WriteBackBudget(WriteBackBudget.defaultBytes()));
    /** Told after each deferred write (the flusher decides whether to write back early). */
    private volatile Runnable onDeferred = () -> { };
    private final SnapshotWriter snapshotWriter;
    /** The rollback in progress, or null; while set, unrolled origin chunks read as its snapshot. */
    private volatile Rollback rollback;

    VolumeIo(ChunkData data) {
        this.data = data;
        this.copier = new OriginCopier(data);
        this.snapshotWriter = new SnapshotWriter(data);
    }

    /** Held while no origin write is in flight and none starts (see {@link #quiesceOrigin}). */
    interface Quiesced extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits for in-flight origin writes and holds new ones back until the
     * result is closed; deferred writes are on the origin device by then (a
     * snapshot taken next must find them there).
     */
    Quiesced quiesceOrigin() throws IOException {
        pointInTime.writeLock().lock();
        try {
            writeBackPending();
        } catch (IOException | RuntimeException e) {
            pointInTime.writeLock().unlock();
            throw e;
        }
        return () -> pointInTime.writeLock().unlock();
    }

    void onDeferred(Runnable listener) {
        onDeferred = listener;
    }

    /**
     * Puts every origin write deferred so far on the origin device: one
     * commit makes their copies durable, then each chunk's pieces are written
     * under its lock. Writes deferred meanwhile wait for the next call.
     */
    void writeBackPending() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        long upTo = pending.lastSequence();
        data.store.commit(); // the copies of every piece up to upTo were made before it was numbered
        for (long chunk : pending.allChunks()) {
            try (ChunkLocks.Held held = locks.lock(chunk, true)) {
                pending.writeBack(chunk, upTo, this::writePiece);
            }
        }
    }

    /**
     * The deferred writes to {@code chunks}, whose locks the caller holds, put
     * on the origin device; the caller committed after their pieces were added.
     */
    private void writeBackLocked(List<Long> chunks) throws IOException {
        for (long chunk : chunks) {
            pending.writeBack(chunk, Long.MAX_VALUE, this::writePiece);
        }
    }

    private void writePiece(long chunk, int offsetInChunk, ByteBuffer bytes) throws IOException {
        data.origin.write(chunk * data.chunkSize + offsetInChunk, bytes);
    }

    /** Drops deferred writes that can no longer be written (a new tenure: their copies were never committed). */
    long discardPending() {
        return pending.discardAll();
    }

    BlockDevice origin() {
        return data.origin;
    }

    ExceptionStore store() {
        return data.store;
    }

    int chunkSize() {
        return data.chunkSize;
    }

    long originChunks() {
        return data.originChunks();
    }

    /** The origin grew to {@code bytes}; the caller holds {@link #quiesceOrigin}. */
    void originResized(long bytes) {
        data.resizedTo(bytes);
    }

    /** Chunks copied for snapshots since the volume was opened. */
    long copiedChunks() {
        return copier.copies.get();
    }

    /** The rollback in progress, or null. */
    Rollback rollback() {
        return rollback;
    }

    /** Origin reads follow {@code running} from now on (null: a rollback ended or was stopped). */
    void rollback(Rollback running) {
        rollback = running;
    }

    private List<ChunkPiece> pieces(long offset, ByteBuffer buffer) {
        return ChunkPiece.split(offset, buffer.remaining(), data.chunkSize);
    }

    private static ByteBuffer slice(ByteBuffer buffer, ChunkPiece piece) {
        return buffer.slice(buffer.position() + piece.bufferOffset(), piece.length());
    }

    private ChunkLocks.Held lock(List<ChunkPiece> pieces, boolean exclusive) {
        return locks.lock(pieces.get(0).chunk(), pieces.get(pieces.size() - 1).chunk(), exclusive);
    }

    void readOrigin(long offset, ByteBuffer dst) throws IOException {
        List<ChunkPiece> pieces = pieces(offset, dst);
        if (pieces.isEmpty()) {
            return;
        }
        try (ChunkLocks.Held held = lock(pieces, false)) {
            Rollback running = rollback;
            if (running == null) {
                data.origin.read(offset, dst.duplicate());
            } else {
                for (ChunkPiece piece : pieces) {
                    if (running.isRolled(piece.chunk())) {
                        data.origin.read(piece.chunk() * data.chunkSize + piece.offsetInChunk(), slice(dst, piece));
                    } else {
                        readSnapshotPiece(running.snapshotId, piece, slice(dst, piece));
                    }
                }
            }
            if (!pending.isEmpty()) {
                for (ChunkPiece piece : pieces) {
                    pending.overlay(piece.chunk(), piece.offsetInChunk(), slice(dst, piece));
                }
            }
        }
        dst.position(dst.limit());
    }

    void writeOrigin(long offset, ByteBuffer src) throws IOException {
        changeOrigin(pieces(offset, src), src, () -> data.origin.write(offset, src));
    }

    /** WRITE SAME with UNMAP: copies for the snapshots as a write would, then deallocates (never deferred). */
    void zeroOrigin(long offset, long length) throws IOException {
        changeOrigin(ChunkPiece.split(offset, Math.toIntExact(length), data.chunkSize), null,
                () -> data.origin.deallocate(offset, length));
    }

    /** A change of the origin's bytes, made once the chunks' old data is safe in the store. */
    @FunctionalInterface
    private interface OriginChange {
        void apply() throws IOException;
    }

    /**
     * Makes copies for the snapshots, then changes the origin: at once when no
     * copy waits for a commit; deferred when {@code written} (the bytes of a
     * write, null for a deallocation) fits the budget, no rollback runs and
     * none of its chunks holds too many pieces already;
     * otherwise after a commit and the chunks' deferred writes.
     */
    private void changeOrigin(List<ChunkPiece> pieces, ByteBuffer written, OriginChange change) throws IOException {
        if (pieces.isEmpty()) {
            return;
        }
        long first = pieces.get(0).chunk();
        long last = pieces.get(pieces.size() - 1).chunk();
        pointInTime.readLock().lock();
        try (ChunkLocks.Held held = lock(pieces, true)) {
            Rollback running = rollback;
            if (running != null) {
                for (ChunkPiece piece : pieces) {
                    running.ensureRolled(piece.chunk());
                }
            }
            boolean copied = copier.preserve(first, last);
            List<Long> waiting = pending.chunksIn(first, last);
            if (!copied && waiting.isEmpty()) {
                change.apply(); // nothing waits for a commit here
                return;
            }
            if (written != null && running == null && !pending.crowded(waiting)
                    && pending.reserve(written.remaining())) {
                for (ChunkPiece piece : pieces) {
                    pending.add(piece.chunk(), piece.offsetInChunk(), slice(written, piece));
                }
                written.position(written.limit());
                onDeferred.run();
                return;
            }
            data.store.commit(); // copies durable before the origin changes
            writeBackLocked(waiting);
            change.apply();
        } finally {
            pointInTime.readLock().unlock();
        }
    }

    /**
     * UNMAP on the origin, {@link #UNMAP_BATCH_CHUNKS} chunks at a time.
     * Chunks a live snapshot still reads from the origin keep their data:
     * copying them would spend store space on data the initiator threw away
     * (fstrim after a snapshot would copy all free space). The rest are
     * deallocated. During a rollback the origin is left alone.
     */
    void unmapOrigin(long offset, long length) throws IOException {
        long end = offset + length;
        for (long from = offset; from < end; ) {
            long batchEnd = Math.min(end, (from / data.chunkSize + UNMAP_BATCH_CHUNKS) * data.chunkSize);
            unmapBatch(from, batchEnd);
            from = batchEnd;
        }
    }

    private void unmapBatch(long from, long to) throws IOException {
        List<ChunkPiece> pieces = ChunkPiece.split(from, Math.toIntExact(to - from), data.chunkSize);
        pointInTime.readLock().lock();
        try (ChunkLocks.Held held = lock(pieces, true)) {
            if (rollback != null) {
                return;
            }
            List<Long> waiting = pending.chunksIn(pieces.get(0).chunk(), pieces.get(pieces.size() - 1).chunk());
            if (!waiting.isEmpty()) {
                data.store.commit(); // their copies durable before the deferred writes and the unmap change the origin
                writeBackLocked(waiting);
            }
            long runStart = -1;
            for (ChunkPiece piece : pieces) {
                long pieceStart = from + piece.bufferOffset();
                boolean keep = copier.shared(piece.chunk());
                if (keep && runStart >= 0) {
                    data.origin.deallocate(runStart, pieceStart - runStart);
                    runStart = -1;
                } else if (!keep && runStart < 0) {
                    runStart = pieceStart;
                }
            }
            if (runStart >= 0) {
                data.origin.deallocate(runStart, to - runStart);
            }
        } finally {
            pointInTime.readLock().unlock();
        }
    }

    /**
     * UNMAP and WRITE SAME with UNMAP on a snapshot: each whole chunk becomes
     * an unmapped range of the snapshot, which reads zeros and frees the
     * snapshot's own copy; the partial chunks at the ends are written with
     * zeros (the units promise LBPRZ: what was unmapped reads zeros).
     * Refused, like a write, while the snapshot is being rolled back.
     */
    void unmapSnapshot(long snapshotId, long offset, long length) throws IOException {
        long end = offset + length;
        long firstWhole = Math.min(end, (offset + data.chunkSize - 1) / data.chunkSize * data.chunkSize);
        long lastWhole = Math.max(firstWhole, end / data.chunkSize * data.chunkSize);
        writeSnapshot(snapshotId, offset, ByteBuffer.allocate(Math.toIntExact(firstWhole - offset)));
        for (long from = firstWhole; from < lastWhole; ) {
            long batchEnd = Math.min(lastWhole, from + (long) UNMAP_BATCH_CHUNKS * data.chunkSize);
            unmapWholeChunks(snapshotId, from, batchEnd);
            from = batchEnd;
        }
        writeSnapshot(snapshotId, lastWhole, ByteBuffer.allocate(Math.toIntExact(end - lastWhole)));
    }

    private void unmapWholeChunks(long snapshotId, long from, long to) throws IOException {
        List<ChunkPiece> pieces = ChunkPiece.split(from, Math.toIntExact(to - from), data.chunkSize);
        try (ChunkLocks.Held held = lock(pieces, true)) {
            checkState(snapshotId, true);
            boolean storeChanged = false;
            for (ChunkPiece piece : pieces) {
                storeChanged |= snapshotWriter.unmap(snapshotId, piece.chunk());
            }
            if (storeChanged) {
                data.store.commit();
            }
        }
    }

    /**
     * Mapped or deallocated for a snapshot, one chunk at a time: its
     * unmapped ranges are deallocated; a chunk it reads from the origin is
     * whatever the origin's device holds there.
     */
    BlockStatus snapshotStatus(long snapshotId, long offset, long sizeBytes) throws IOException {
        long chunk = offset / data.chunkSize;
        long chunkEnd = Math.min(sizeBytes, (chunk + 1) * data.chunkSize);
        ExceptionEntry entry = data.store.visible(chunk, snapshotId).orElse(null);
        if (entry != null) {
            return new BlockStatus(!entry.zeros(), chunkEnd);
        }
        Extent extent = data.origin.extentAt(offset);
        return new BlockStatus(extent.allocated(), Math.min(extent.end(), chunkEnd));
    }

    /** Mapped or deallocated, from the origin device's holes; all mapped while a rollback runs. */
    BlockStatus originStatus(long offset, long sizeBytes) throws IOException {
        if (rollback != null) {
            return new BlockStatus(true, sizeBytes);
        }
        long chunk = offset / data.chunkSize;
        if (pending.holds(chunk)) { // written, not yet on the device
            return new BlockStatus(true, Math.min(sizeBytes, (chunk + 1) * data.chunkSize));
        }
        Extent extent = data.origin.extentAt(offset);
        return new BlockStatus(extent.allocated(), Math.min(extent.end(), sizeBytes));
    }

    /**
     * Reads the range of the origin (id 0) or a snapshot, hands it to
     * {@code update} and writes what it returns (nothing when null), under the
     * range's exclusive chunk locks, which the read and write below re-enter:
     * no other read or write of the range comes in between.
     */
    void readModifyWrite(long snapshotId, long offset, int length, UnaryOperator<ByteBuffer> update)
            throws IOException {
        List<ChunkPiece> pieces = ChunkPiece.split(offset, length, data.chunkSize);
        if (pieces.isEmpty()) {
            return;
        }
        try (ChunkLocks.Held held = lock(pieces, true)) {
            ByteBuffer current = ByteBuffer.allocate(length);
            if (snapshotId == 0) {
                readOrigin(offset, current);
            } else {
                readSnapshot(snapshotId, offset, current);
            }
            ByteBuffer replacement = update.apply(current.flip());
            if (replacement == null) {
                return;
            }
            if (snapshotId == 0) {
                writeOrigin(offset, replacement);
            } else {
                writeSnapshot(snapshotId, offset, replacement);
            }
        }
    }

    void readSnapshot(long snapshotId, long offset, ByteBuffer dst) throws IOException {
        List<ChunkPiece> pieces = pieces(offset, dst);
        if (pieces.isEmpty()) {
            return;
        }
        try (ChunkLocks.Held held = lock(pieces, false)) {
            checkState(snapshotId, false);
            for (ChunkPiece piece : pieces) {
                readSnapshotPiece(snapshotId, piece, slice(dst, piece));
            }
        }
        dst.position(dst.limit());
    }

    private void readSnapshotPiece(long snapshotId, ChunkPiece piece, ByteBuffer dst) throws IOException {
        ExceptionEntry entry = data.store.visible(piece.chunk(), snapshotId).orElse(null);
        if (entry != null) {
            data.readStoredPiece(entry, piece.offsetInChunk(), dst);
        } else {
            data.origin.read(piece.chunk() * data.chunkSize + piece.offsetInChunk(), dst);
        }
    }

    void writeSnapshot(long snapshotId, long offset, ByteBuffer src) throws IOException {
        List<ChunkPiece> pieces = pieces(offset, src);
        if (pieces.isEmpty()) {
            return;
        }
        try (ChunkLocks.Held held = lock(pieces, true)) {
            checkState(snapshotId, true);
            boolean checksumsDropped = false;
            for (ChunkPiece piece : pieces) {
                checksumsDropped |= snapshotWriter.dropChecksum(snapshotId, piece);
            }
            if (checksumsDropped) {
                data.store.commit(); // before the data they covered changes
            }
            boolean storeChanged = false;
            for (ChunkPiece piece : pieces) {
                storeChanged |= snapshotWriter.write(snapshotId, piece, slice(src, piece));
            }
            if (storeChanged) {
                data.store.commit();
            }
        }
        src.position(src.limit());
    }

    /** Refuses I/O to a snapshot that lost its data, is going away, or is being rolled back into the origin. */
    private void checkState(long snapshotId, boolean writing) throws IOException {
        SnapshotInfo info = data.store.snapshot(snapshotId).orElseThrow(() -> new IOException("snapshot id " + snapshotId + " no longer exists"));
        if (info.state() == SnapshotState.INVALID) {
            throw new IOException("snapshot " + info.name() + " is invalid: the exception store ran full and its"
                    + " copies were dropped; delete it");
        }
        if (info.state() != SnapshotState.LIVE) {
            throw new IOException("snapshot " + info.name() + " is being deleted");
        }
        Rollback running = rollback;
        if (writing && running != null && running.snapshotId == snapshotId) {
            throw new IOException("snapshot " + info.name() + " is being rolled back into the origin; writes to it"
                    + " are refused until the rollback ends");
        }
    }
}
