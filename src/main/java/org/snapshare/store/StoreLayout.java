package org.snapshare.store;

import java.nio.ByteBuffer;

/**
 * The facts of the on-disk layout that differ between format versions
 * (docs/FORMAT.md): whether metadata is mirrored, how wide a block
 * reference and a tree entry are, where the fixed area puts its copies.
 * Version 3 keeps two copies of every metadata block, of the superblock and
 * of every commit block; versions 1 and 2 keep one. Version 4 adds each
 * snapshot's identity to the snapshot table; version 5 names a transaction's
 * written chunks in its commit block, which then needs one flush, not two;
 * version 6 records the snapshot each snapshot was taken of; version 7 keeps
 * each B+-tree node in the first 4 KiB of its chunk.
 */
final class StoreLayout {

    /** Superblock, then the ring of commit slots (every version). */
    static final long RING_OFFSET = Superblock.SIZE;
    private static final long SINGLE_FIXED_BYTES = RING_OFFSET + (long) CommitBlock.SLOTS * CommitBlock.SIZE;
    /** Format 3: the superblock's copy right after the ring, then the mirror ring. */
    static final long SUPERBLOCK_COPY_OFFSET = SINGLE_FIXED_BYTES;
    static final long MIRROR_RING_OFFSET = SUPERBLOCK_COPY_OFFSET + Superblock.SIZE;
    private static final long MIRRORED_FIXED_BYTES = MIRROR_RING_OFFSET + (long) CommitBlock.SLOTS * CommitBlock.SIZE;

    final int version;
    /** Commit blocks carry the cluster lock's generation, which fences a stale holder (format 2). */
    final boolean lockGenerations;
    /** Two copies of every metadata block, of the superblock and of every commit block (format 3). */
    final boolean mirrored;
    /**
     * Commit blocks record the store's and the origin's size, so both may change after format: the
     * store grows, adopts a grown device, and the volume is resized (format 3).
     */
    final boolean sizesInCommits;
    /** Commit blocks name the range counter blocks: the space each snapshot owns (format 3). */
    final boolean rangeCounters;
    /** Leaf entries carry the checksum of their copied data (format 3). */
    final boolean dataChecksums;
    /** Snapshot table entries carry the volume's size when the snapshot was taken (format 3). */
    final boolean snapshotSizes;
    /** Leaf entries may name store chunk 0: an unmapped range that reads as zeros (format 3). */
    final boolean unmappedRanges;
    /** Snapshot table entries carry the snapshot's identity, a UUID (format 4: received snapshots keep theirs). */
    final boolean snapshotIdentities;
    /** Commit blocks name the chunks their transaction wrote, with checksums: one flush per commit (format 5). */
    final boolean listedCommits;
    /** Snapshot table entries carry the id of the snapshot each was taken of, 0 for the origin (format 6). */
    final boolean snapshotParents;
    /**
     * B+-tree nodes take the first {@link #SMALL_NODE_BYTES} of their chunk, not all of it (format 7): a commit
     * rewrites a page per changed leaf instead of a chunk, so random inserts into a large tree write a
     * sixteenth of the bytes (64 KiB chunks). The rest of a node's chunk is never written.
     */
    final boolean smallNodes;

    /** Bytes of a B+-tree node in format 7 (at most the chunk size). */
    static final int SMALL_NODE_BYTES = 4096;

    private StoreLayout(int version) {
        this.version = version;
        this.lockGenerations = version >= 2;
        this.mirrored = version >= 3;
        this.sizesInCommits = version >= 3;
        this.rangeCounters = version >= 3;
        this.dataChecksums = version >= 3;
        this.snapshotSizes = version >= 3;
        this.unmappedRanges = version >= 3;
        this.snapshotIdentities = version >= 4;
        this.listedCommits = version >= 5;
        this.snapshotParents = version >= 6;
        this.smallNodes = version >= 7;
    }

    private static final StoreLayout[] VERSIONS = {null, new StoreLayout(1), new StoreLayout(2), new StoreLayout(3),
        new StoreLayout(4), new StoreLayout(5), new StoreLayout(6), new StoreLayout(7)};

    static StoreLayout of(int version) {
        return VERSIONS[version];
    }

    /** Bytes of a reference to a metadata block: its chunk, and its copy's when mirrored. */
    int refBytes() {
        return mirrored ? 16 : 8;
    }

    void putRef(ByteBuffer block, int at, BlockRef ref) {
        block.putLong(at, ref.primary());
        if (mirrored) {
            block.putLong(at + 8, ref.mirror());
        }
    }

    BlockRef getRef(ByteBuffer block, int at) {
        return new BlockRef(block.getLong(at), mirrored ? block.getLong(at + 8) : 0);
    }

    /** Bytes of a B+-tree node in a store of {@code chunkSize} chunks: its first page (format 7), else all of it. */
    int nodeBytes(int chunkSize) {
        return smallNodes ? Math.min(chunkSize, SMALL_NODE_BYTES) : chunkSize;
    }

    /** A B+-tree leaf entry: origin chunk, from id, to id, store chunk; format 3 adds the data checksum. */
    int leafEntryBytes() {
        return dataChecksums ? 40 : 32;
    }

    /** A B+-tree internal entry: origin chunk, from id, child reference. */
    int internalEntryBytes() {
        return 16 + refBytes();
    }

    /** Bytes at the start of the store that the superblock and commit blocks (and their copies) take. */
    long fixedBytes() {
        return mirrored ? MIRRORED_FIXED_BYTES : SINGLE_FIXED_BYTES;
    }

    long reservedChunks(int chunkSize) {
        return (fixedBytes() + chunkSize - 1) / chunkSize;
    }

    /** Where commit {@code sequence} goes: slot sequence mod 8 of the ring. */
    static long slotOffset(long sequence) {
        return RING_OFFSET + (sequence % CommitBlock.SLOTS) * CommitBlock.SIZE;
    }

    /** Format 3: where the copy of commit {@code sequence} goes, in the mirror ring. */
    static long mirrorSlotOffset(long sequence) {
        return MIRROR_RING_OFFSET + (sequence % CommitBlock.SLOTS) * CommitBlock.SIZE;
    }
}
