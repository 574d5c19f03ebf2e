package org.snapshare.store;

import java.io.IOException;

/**
 * The changes to the tree's entries, under the store's lock: each is
 * checked against the store's bounds and format, takes its room first
 * ({@link TreeRoom}) so it happens whole or not at all, and keeps the range
 * counters and the chunks known copy-free up to date.
 */
final class EntryChanges {

    private final Superblock superblock;
    private final StoreState state;
    private final TreeRoom room;
    private final FullStoreResponse fullResponse;

    EntryChanges(Superblock superblock, StoreState state, TreeRoom room, FullStoreResponse fullResponse) {
        this.superblock = superblock;
        this.state = state;
        this.room = room;
        this.fullResponse = fullResponse;
    }

    void insert(ExceptionEntry entry) throws IOException {
        ExceptionEntry stored = storable(entry);
        room.beforeChange(TreeRoom.Change.INSERT);
        state.tree().insert(stored);
        state.recount(null, stored);
    }

    /** Inserts a copy's entry; with no room for it, gives its chunk back and applies the store-full policy. */
    boolean insertCopy(ExceptionEntry copy) throws IOException {
        try {
            insert(copy);
            return true;
        } catch (StoreFullException full) {
            state.space().free(copy.storeChunk()); // taken in this transaction: free again at once
            fullResponse.copyRefused(new IdRange(copy.fromId(), copy.toId()), full);
            return false;
        }
    }

    void update(ExceptionEntry entry) throws IOException {
        ExceptionEntry stored = storable(entry);
        room.beforeChange(TreeRoom.Change.UPDATE);
        ExceptionEntry old = state.tree().update(stored);
        if (old == null) {
            throw new StoreException("no entry for chunk " + entry.originChunk() + " from id " + entry.fromId());
        }
        state.recount(old, stored);
        state.copyFree().forget(entry.originChunk()); // it may cover fewer ids now
    }

    void remove(long originChunk, long fromId) throws IOException {
        room.beforeChange(TreeRoom.Change.REMOVE);
        ExceptionEntry old = state.tree().remove(originChunk, fromId);
        if (old == null) {
            throw new StoreException("no entry for chunk " + originChunk + " from id " + fromId);
        }
        state.recount(old, null);
        state.copyFree().forget(originChunk);
    }

    /** The entry, checked, as this store's format can keep it: formats before 3 have no room for a checksum. */
    private ExceptionEntry storable(ExceptionEntry entry) throws StoreException {
        if (entry.originChunk() >= state.originChunks() || entry.storeChunk() >= state.chunkCount()) {
            throw new StoreException("entry " + entry + " lies outside the origin or the store");
        }
        if (entry.zeros() && !superblock.layout().unmappedRanges) {
            throw new StoreException("this store has format version " + superblock.version + ", which cannot keep"
                    + " unmapped snapshot ranges");
        }
        return superblock.layout().dataChecksums ? entry : entry.withChecksum(ExceptionEntry.NO_CHECKSUM);
    }
}
