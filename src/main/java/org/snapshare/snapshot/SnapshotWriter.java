package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.LiveIds;
import org.snapshare.store.StoreException;

/**
 * A write to one chunk of snapshot s (docs/SNAPSHOTS.md, "Snapshot write"): in place
 * when s owns its entry alone; otherwise s gets a fresh chunk, and a shared
 * entry is split so that at most one of its other sides needs a copy. The
 * caller holds the chunk's lock and commits when this returns true.
 */
final class SnapshotWriter {

    private final ChunkData data;

    SnapshotWriter(ChunkData data) {
        this.data = data;
    }

    /**
     * Before a write into a chunk the snapshot owns alone: drops the checksum
     * of its copied data, which the write makes stale; true when it did (the
     * caller commits that before any data is written, so a crash can never
     * leave new data under an old checksum).
     */
    boolean dropChecksum(long snapshotId, ChunkPiece piece) throws IOException {
        return data.store.atomically(() -> {
            Optional<ExceptionEntry> found = data.store.find(piece.chunk(), snapshotId);
            if (found.isEmpty() || !ownedAlone(found.get(), snapshotId) || !found.get().checksummed()) {
                return false;
            }
            data.store.updateEntry(found.get().withChecksum(ExceptionEntry.NO_CHECKSUM));
            return true;
        });
    }

    private static boolean ownedAlone(ExceptionEntry entry, long snapshotId) {
        return entry.fromId() == snapshotId && entry.toId() == snapshotId;
    }

    /** Writes {@code src} at {@code piece}; true when the store's metadata changed. */
    boolean write(long snapshotId, ChunkPiece piece, ByteBuffer src) throws IOException {
        // Atomic: a commit by another thread must see the split whole or not at all.
        return data.store.atomically(() -> writeChunk(snapshotId, piece, src));
    }

    private boolean writeChunk(long snapshotId, ChunkPiece piece, ByteBuffer src) throws IOException {
        Optional<ExceptionEntry> found = data.store.find(piece.chunk(), snapshotId);
        if (found.isPresent() && ownedAlone(found.get(), snapshotId) && !found.get().zeros()) {
            if (found.get().checksummed()) {
                throw new IllegalStateException("write into checksummed chunk " + found.get() + " before its"
                        + " checksum was dropped");
            }
            data.store.writeChunk(found.get().storeChunk(), piece.offsetInChunk(), src);
            return false;
        }
        ByteBuffer content;
        if (piece.wholeChunk(data.chunkSize)) {
            content = src;
        } else {
            content = found.isPresent() ? data.readStored(found.get()) : data.readOrigin(piece.chunk());
            content.position(piece.offsetInChunk()).put(src).clear();
        }
        LiveIds live = data.store.liveIds();
        ExceptionEntry shared = found.orElse(null);
        boolean leftNeeded = shared != null && live.anyIn(shared.fromId(), snapshotId - 1);
        boolean rightNeeded = shared != null && live.anyIn(snapshotId + 1, shared.toId());
        // Allocate everything first, so a full store fails the write before the tree changes.
        long fresh = data.store.allocateChunk();
        long rightCopy = 0;
        if (leftNeeded && rightNeeded && !shared.zeros()) {
            try {
                rightCopy = data.store.allocateChunk();
            } catch (StoreException full) {
                data.store.freeChunk(fresh);
                throw full;
            }
            data.writeStored(rightCopy, data.readStored(shared));
        }
        data.writeStored(fresh, content);
        if (shared != null) {
            split(shared, snapshotId, leftNeeded, rightNeeded, rightCopy);
        }
        data.store.addEntry(new ExceptionEntry(piece.chunk(), snapshotId, snapshotId, fresh));
        return true;
    }

    /**
     * Makes origin chunk {@code chunk} of snapshot {@code snapshotId} an
     * unmapped range (reads zeros, takes no space): its own copy is freed, a
     * shared entry is split around it like a write does. True when the store
     * changed (the caller commits).
     */
    boolean unmap(long snapshotId, long chunk) throws IOException {
        return data.store.atomically(() -> {
            Optional<ExceptionEntry> found = data.store.find(chunk, snapshotId);
            ExceptionEntry unmapped = new ExceptionEntry(chunk, snapshotId, snapshotId, ExceptionEntry.ZEROS);
            if (found.isEmpty()) {
                data.store.addEntry(unmapped); // it read the origin: from now on zeros, and no copy for it
                return true;
            }
            ExceptionEntry entry = found.get();
            if (entry.zeros() && ownedAlone(entry, snapshotId)) {
                return false;
            }
            if (ownedAlone(entry, snapshotId)) {
                data.store.updateEntry(unmapped);
                data.store.freeChunk(entry.storeChunk());
                return true;
            }
            LiveIds live = data.store.liveIds();
            boolean leftNeeded = live.anyIn(entry.fromId(), snapshotId - 1);
            boolean rightNeeded = live.anyIn(snapshotId + 1, entry.toId());
            long rightCopy = 0;
            if (leftNeeded && rightNeeded && !entry.zeros()) {
                try {
                    rightCopy = data.store.allocateChunk();
                } catch (StoreException full) {
                    return false; // no room to split the shared copy: the chunk stays mapped, as SBC allows
                }
                data.writeStored(rightCopy, data.readStored(entry));
            }
            split(entry, snapshotId, leftNeeded, rightNeeded, rightCopy);
            data.store.addEntry(unmapped);
            return true;
        });
    }

    /** Replaces {@code shared} by what the ids around {@code snapshotId} still need. */
    private void split(ExceptionEntry shared, long snapshotId, boolean leftNeeded, boolean rightNeeded,
            long rightCopy) throws IOException {
        long chunk = shared.originChunk();
        data.store.removeEntry(chunk, shared.fromId());
        // Both sides keep the shared data (the right one perhaps in its copy): its checksum still holds.
        if (leftNeeded) {
            data.store.addEntry(shared.withIds(shared.fromId(), snapshotId - 1));
        }
        if (rightNeeded) {
            long storeChunk = leftNeeded && !shared.zeros() ? rightCopy : shared.storeChunk();
            data.store.addEntry(new ExceptionEntry(chunk, snapshotId + 1, shared.toId(), storeChunk,
                    shared.checksum()));
        }
        if (!leftNeeded && !rightNeeded && !shared.zeros()) {
            data.store.freeChunk(shared.storeChunk());
        }
    }
}
