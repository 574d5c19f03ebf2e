package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.IdRange;
import org.snapshare.store.LiveIds;
import org.snapshare.util.IoWork;

/**
 * A write to one chunk of snapshot s (docs/SNAPSHOTS.md, "Snapshot write"): in place
 * when s owns its entry alone and no snapshot taken of it reads through it;
 * otherwise s gets a fresh chunk, the snapshots below s that read its data
 * get a copy of it first, and a shared entry is split so that at most one
 * of its other sides needs a copy. The caller holds the chunk's lock and
 * commits when this returns true.
 */
final class SnapshotWriter {

    /** Tree changes of a write or unmap that finds an entry, besides those of the snapshots below: a split (a removal, two adds) and its own. */
    private static final int SPLIT_AND_OWN = 4;

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
            if (found.isEmpty() || !ownedAlone(found.get(), snapshotId) || !found.get().checksummed()
                    || !data.store.rangesInheriting(piece.chunk(), snapshotId).isEmpty()) {
                return false; // a write that does not go in place leaves the old copy as it is
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
        List<IdRange> below = data.store.rangesInheriting(piece.chunk(), snapshotId);
        // A checksummed copy is written in place only once dropChecksum has dropped it: when the snapshots
        // below went away between the two, the write goes to a fresh chunk like any other.
        if (below.isEmpty() && found.isPresent() && ownedAlone(found.get(), snapshotId) && !found.get().zeros()
                && !found.get().checksummed()) {
            data.store.writeChunk(found.get().storeChunk(), piece.offsetInChunk(), src);
            return false;
        }
        return inWhole(treeChanges(found, below), () -> writeAside(snapshotId, piece, src, found, below));
    }

    /** The most tree changes a write or unmap of a chunk makes. */
    private static int treeChanges(Optional<ExceptionEntry> found, List<IdRange> below) {
        return (found.isPresent() ? SPLIT_AND_OWN : 1) + below.size();
    }

    /**
     * Runs work of {@code changes} tree changes: one is whole by itself; more take room for all first, so a
     * full store refuses them before the tree changes.
     */
    private boolean inWhole(int changes, IoWork<Boolean> work) throws IOException {
        return changes == 1 ? work.run() : data.store.withTreeRoom(changes, work);
    }

    /** A write that gives the snapshot a fresh chunk (and the snapshots below theirs); true. */
    private boolean writeAside(long snapshotId, ChunkPiece piece, ByteBuffer src, Optional<ExceptionEntry> found,
            List<IdRange> below) throws IOException {
        Optional<ExceptionEntry> seen = found.isPresent() ? found : data.store.visible(piece.chunk(), snapshotId);
        ByteBuffer content;
        if (piece.wholeChunk(data.chunkSize)) {
            content = src;
        } else {
            content = oldData(piece.chunk(), seen);
            content.position(piece.offsetInChunk()).put(src).clear();
        }
        LiveIds live = data.store.liveIds();
        ExceptionEntry shared = found.orElse(null);
        boolean leftNeeded = shared != null && live.anyIn(shared.fromId(), snapshotId - 1);
        boolean rightNeeded = shared != null && live.anyIn(snapshotId + 1, shared.toId());
        boolean rightCopied = leftNeeded && rightNeeded && !shared.zeros();
        // Allocate everything first, so a full store fails the write before the tree changes.
        boolean belowCopied = !below.isEmpty() && !seen.map(ExceptionEntry::zeros).orElse(false);
        long[] taken = allocate(1 + (rightCopied ? 1 : 0) + (belowCopied ? below.size() : 0));
        long fresh = taken[0];
        long rightCopy = rightCopied ? taken[1] : 0;
        if (rightCopied) {
            data.writeStored(rightCopy, data.readStored(shared));
        }
        keepFor(below, piece.chunk(), seen, belowCopied ? Arrays.copyOfRange(taken, taken.length - below.size(),
                taken.length) : new long[0]);
        data.writeStored(fresh, content);
        if (shared != null) {
            split(shared, snapshotId, leftNeeded, rightNeeded, rightCopy);
        }
        data.store.addEntry(new ExceptionEntry(piece.chunk(), snapshotId, snapshotId, fresh));
        return true;
    }

    /** The whole chunk as a snapshot reads it before a change: its entry's data, or the origin's. */
    private ByteBuffer oldData(long chunk, Optional<ExceptionEntry> seen) throws IOException {
        return seen.isPresent() ? data.readStored(seen.get()) : data.readOrigin(chunk);
    }

    /** {@code count} free store chunks, or none taken when the store cannot give them all. */
    private long[] allocate(int count) throws IOException {
        long[] taken = new long[count];
        for (int i = 0; i < count; i++) {
            try {
                taken[i] = data.store.allocateChunk();
            } catch (IOException | RuntimeException full) {
                for (int j = 0; j < i; j++) {
                    data.store.freeChunk(taken[j]);
                }
                throw full;
            }
        }
        return taken;
    }

    /**
     * Gives the snapshots below the written one that read its data of
     * {@code chunk} ({@code below}) that data as their own entries before it
     * changes: a copy each in {@code copies}, or unmapped entries when the data is zeros.
     */
    private void keepFor(List<IdRange> below, long chunk, Optional<ExceptionEntry> seen, long[] copies)
            throws IOException {
        if (below.isEmpty()) {
            return;
        }
        ByteBuffer old = copies.length == 0 ? null : oldData(chunk, seen);
        long checksum = seen.map(ExceptionEntry::checksum).orElse(ExceptionEntry.NO_CHECKSUM);
        for (int i = 0; i < below.size(); i++) {
            IdRange ids = below.get(i);
            if (old == null) {
                data.store.addEntry(new ExceptionEntry(chunk, ids.from(), ids.to(), ExceptionEntry.ZEROS));
            } else {
                data.writeStored(copies[i], old);
                data.store.addEntry(new ExceptionEntry(chunk, ids.from(), ids.to(), copies[i], checksum));
            }
        }
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
            if (found.isPresent() && found.get().zeros() && ownedAlone(found.get(), snapshotId)) {
                return false;
            }
            List<IdRange> below = data.store.rangesInheriting(chunk, snapshotId);
            return inWhole(treeChanges(found, below), () -> unmapWith(snapshotId, chunk, found, below));
        });
    }

    /**
     * An unmap once the room for its tree changes is set aside; true when the
     * store changed. Every chunk it needs is taken first, so a full store
     * refuses it before anything changes: the unit promises LBPRZ, so an
     * unmap (or a write of zeros) never succeeds without the chunk reading zeros.
     */
    private boolean unmapWith(long snapshotId, long chunk, Optional<ExceptionEntry> found, List<IdRange> below)
            throws IOException {
        Optional<ExceptionEntry> seen = found.isPresent() ? found : data.store.visible(chunk, snapshotId);
        boolean belowCopied = !below.isEmpty() && !seen.map(ExceptionEntry::zeros).orElse(false);
        ExceptionEntry shared = found.filter(entry -> !ownedAlone(entry, snapshotId)).orElse(null);
        LiveIds live = data.store.liveIds();
        boolean leftNeeded = shared != null && live.anyIn(shared.fromId(), snapshotId - 1);
        boolean rightNeeded = shared != null && live.anyIn(snapshotId + 1, shared.toId());
        boolean rightCopied = leftNeeded && rightNeeded && !shared.zeros();
        long[] taken = allocate((belowCopied ? below.size() : 0) + (rightCopied ? 1 : 0));
        keepFor(below, chunk, seen, belowCopied ? Arrays.copyOf(taken, below.size()) : new long[0]);
        ExceptionEntry unmapped = new ExceptionEntry(chunk, snapshotId, snapshotId, ExceptionEntry.ZEROS);
        if (found.isEmpty()) {
            data.store.addEntry(unmapped); // it read the origin (or an ancestor's copy): from now on zeros
            return true;
        }
        if (shared == null) { // its own copy
            data.store.updateEntry(unmapped);
            data.store.freeChunk(found.get().storeChunk());
            return true;
        }
        long rightCopy = rightCopied ? taken[taken.length - 1] : 0;
        if (rightCopied) {
            data.writeStored(rightCopy, data.readStored(shared));
        }
        split(shared, snapshotId, leftNeeded, rightNeeded, rightCopy);
        data.store.addEntry(unmapped);
        return true;
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
