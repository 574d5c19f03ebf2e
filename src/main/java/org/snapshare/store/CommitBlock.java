package org.snapshare.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One slot of the commit ring (4 KiB each, right after the superblock): the
 * roots of everything a transaction left behind. Mount takes the valid slot
 * with the highest sequence number; a torn or stale slot fails its CRC or
 * nonce and is skipped. Format 3 writes every commit to a second ring too.
 * Format 5 names the chunks its transaction wrote, with their checksums, so
 * the commit block can go out with them under one flush (see CommitRing).
 * Layout in docs/FORMAT.md.
 */
final class CommitBlock {

    static final int SIZE = 4096;
    static final int SLOTS = 8;
    static final long MAGIC = ByteBuffer.wrap("SNAPCMIT".getBytes(StandardCharsets.US_ASCII)).getLong();
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int NONCE_OFFSET = 16;
    static final int SEQUENCE_OFFSET = 24;
    static final int TREE_ROOT_OFFSET = 32;
    static final int TREE_HEIGHT_OFFSET = 40;
    static final int TABLE_OFFSET = 48;
    static final int NEXT_ID_OFFSET = 56;
    static final int FREE_CHUNKS_OFFSET = 64;
    static final int DELETE_CHUNK_OFFSET = 72;
    static final int DELETE_ID_OFFSET = 80;
    static final int INDEX_COUNT_OFFSET = 88;
    /** Version 2 adds the cluster lock generation here and moves the space map index behind it. */
    static final int GENERATION_OFFSET = 96;
    /** Version 3: the copies of the tree root and of the snapshot table's first block. */
    static final int TREE_ROOT_MIRROR_OFFSET = 104;
    static final int TABLE_MIRROR_OFFSET = 112;
    /** Version 3: the store's size in chunks now (it grows) and the origin's (it may too). */
    static final int CHUNK_COUNT_OFFSET = 120;
    static final int ORIGIN_CHUNKS_OFFSET = 128;
    /** Version 3: the first block of the range counters, and its copy. */
    static final int RANGE_COUNTS_OFFSET = 136;
    static final int RANGE_COUNTS_MIRROR_OFFSET = 144;
    /**
     * Version 5: how many chunks the transaction wrote, named from the end
     * of the block backwards (chunk, CRC32C of its content; LISTED_BYTES
     * each), so one flush commits it; 0: flushed before the commit block.
     * Version 7: a chunk named with {@link #NODE_ONLY} set holds a tree
     * node, and the CRC covers the node's bytes, the start of the chunk.
     */
    static final int LISTED_COUNT_OFFSET = 92;
    static final int LISTED_BYTES = 12;
    static final long NODE_ONLY = 1L << 62;
    static final int CRC_OFFSET = SIZE - 4;

    /** Where the space map index starts in a commit block of {@code version}: after the last field it has. */
    static int indexOffset(int version) {
        StoreLayout layout = StoreLayout.of(version);
        if (layout.rangeCounters) {
            return RANGE_COUNTS_MIRROR_OFFSET + Long.BYTES;
        }
        return layout.lockGenerations ? GENERATION_OFFSET + Long.BYTES : GENERATION_OFFSET;
    }

    /** Version 5: how many written chunks fit beside {@code indexCount} space map index references. */
    static int listCapacity(int version, int indexCount) {
        if (!StoreLayout.of(version).listedCommits) {
            return 0;
        }
        return (CRC_OFFSET - indexOffset(version) - indexCount * StoreLayout.of(version).refBytes()) / LISTED_BYTES;
    }

    /** Where written chunk {@code i} is named: from the end of the block backwards. */
    private static int listedOffset(int i) {
        return CRC_OFFSET - (i + 1) * LISTED_BYTES;
    }

    /** Space map index blocks a commit block of {@code version} can list. */
    static int maxIndexChunks(int version) {
        return (CRC_OFFSET - indexOffset(version)) / StoreLayout.of(version).refBytes();
    }

    long sequence;
    BlockRef treeRoot = BlockRef.NONE;
    int treeHeight;
    BlockRef snapshotTable = BlockRef.NONE;
    long nextSnapshotId;
    long freeChunks;
    long deleteCursorChunk;
    long deleteCursorId;
    /** The cluster lock generation of the node that wrote it; 0 for a single node and in version 1. */
    long generation;
    BlockRef[] spaceIndex = new BlockRef[0];
    /** Version 3: chunks of the store and of the origin as of this commit; 0 in older versions (the superblock's). */
    long chunkCount;
    long originChunks;
    /** Version 3: the chain of range counters (see {@link RangeCounts}). */
    BlockRef rangeCounts = BlockRef.NONE;
    /** Version 5: the chunks the transaction wrote and their CRC32C; empty when it flushed them first. */
    Map<Long, Integer> listed = Map.of();
    /** Version 7: the listed chunks that hold a tree node, their CRC covering the node only. */
    Set<Long> listedNodes = Set.of();

    /** The store's size in chunks as of this commit. */
    long chunkCount(Superblock superblock) {
        return chunkCount != 0 ? chunkCount : superblock.chunkCount;
    }

    /** The origin's size in chunks as of this commit. */
    long originChunks(Superblock superblock) {
        return originChunks != 0 ? originChunks : superblock.originChunks;
    }

    /** The block in the layout of the store's format version, with its nonce. */
    ByteBuffer encode(Superblock store) {
        int version = store.version;
        StoreLayout layout = StoreLayout.of(version);
        if (spaceIndex.length > maxIndexChunks(version)) {
            throw new IllegalStateException("space map index of " + spaceIndex.length + " chunks does not fit");
        }
        if (!layout.lockGenerations && generation != 0) {
            throw new IllegalStateException("a format 1 store has no room for a cluster lock generation");
        }
        ByteBuffer block = ByteBuffer.allocate(SIZE);
        block.putLong(MAGIC_OFFSET, MAGIC).putInt(VERSION_OFFSET, version).putLong(NONCE_OFFSET, store.nonce)
                .putLong(SEQUENCE_OFFSET, sequence).putLong(TREE_ROOT_OFFSET, treeRoot.primary())
                .putInt(TREE_HEIGHT_OFFSET, treeHeight).putLong(TABLE_OFFSET, snapshotTable.primary())
                .putLong(NEXT_ID_OFFSET, nextSnapshotId).putLong(FREE_CHUNKS_OFFSET, freeChunks)
                .putLong(DELETE_CHUNK_OFFSET, deleteCursorChunk).putLong(DELETE_ID_OFFSET, deleteCursorId)
                .putInt(INDEX_COUNT_OFFSET, spaceIndex.length);
        if (layout.lockGenerations) {
            block.putLong(GENERATION_OFFSET, generation);
        }
        if (layout.mirrored) {
            block.putLong(TREE_ROOT_MIRROR_OFFSET, treeRoot.mirror()).putLong(TABLE_MIRROR_OFFSET,
                    snapshotTable.mirror());
        }
        if (layout.sizesInCommits) {
            block.putLong(CHUNK_COUNT_OFFSET, chunkCount).putLong(ORIGIN_CHUNKS_OFFSET, originChunks);
        }
        if (layout.rangeCounters) {
            block.putLong(RANGE_COUNTS_OFFSET, rangeCounts.primary())
                    .putLong(RANGE_COUNTS_MIRROR_OFFSET, rangeCounts.mirror());
        }
        int at = indexOffset(version);
        for (BlockRef ref : spaceIndex) {
            layout.putRef(block, at, ref);
            at += layout.refBytes();
        }
        if (listed.size() > listCapacity(version, spaceIndex.length)) {
            throw new IllegalStateException(listed.size() + " written chunks do not fit in the commit block");
        }
        if (layout.listedCommits) {
            block.putInt(LISTED_COUNT_OFFSET, listed.size());
            int i = 0;
            for (Map.Entry<Long, Integer> chunk : listed.entrySet()) {
                long named = listedNodes.contains(chunk.getKey()) ? chunk.getKey() | NODE_ONLY : chunk.getKey();
                block.putLong(listedOffset(i), named).putInt(listedOffset(i) + 8, chunk.getValue());
                i++;
            }
        }
        block.putInt(CRC_OFFSET, MetaBlock.crc(block, CRC_OFFSET));
        return block;
    }

    /**
     * The commit in {@code block}, or null if the slot is empty, torn, from
     * another format, or of another version than the store's.
     */
    static CommitBlock decode(ByteBuffer block, Superblock store) {
        int version = store.version;
        StoreLayout layout = StoreLayout.of(version);
        if (block.getLong(MAGIC_OFFSET) != MAGIC || block.getInt(VERSION_OFFSET) != version
                || block.getLong(NONCE_OFFSET) != store.nonce
                || block.getInt(CRC_OFFSET) != MetaBlock.crc(block, CRC_OFFSET)) {
            return null;
        }
        int indexCount = block.getInt(INDEX_COUNT_OFFSET);
        if (indexCount < 0 || indexCount > maxIndexChunks(version)) {
            return null;
        }
        CommitBlock commit = new CommitBlock();
        commit.sequence = block.getLong(SEQUENCE_OFFSET);
        commit.treeRoot = new BlockRef(block.getLong(TREE_ROOT_OFFSET),
                layout.mirrored ? block.getLong(TREE_ROOT_MIRROR_OFFSET) : 0);
        commit.treeHeight = block.getInt(TREE_HEIGHT_OFFSET);
        commit.snapshotTable = new BlockRef(block.getLong(TABLE_OFFSET),
                layout.mirrored ? block.getLong(TABLE_MIRROR_OFFSET) : 0);
        commit.nextSnapshotId = block.getLong(NEXT_ID_OFFSET);
        commit.freeChunks = block.getLong(FREE_CHUNKS_OFFSET);
        commit.deleteCursorChunk = block.getLong(DELETE_CHUNK_OFFSET);
        commit.deleteCursorId = block.getLong(DELETE_ID_OFFSET);
        commit.generation = layout.lockGenerations ? block.getLong(GENERATION_OFFSET) : 0;
        commit.chunkCount = layout.sizesInCommits ? block.getLong(CHUNK_COUNT_OFFSET) : 0;
        commit.originChunks = layout.sizesInCommits ? block.getLong(ORIGIN_CHUNKS_OFFSET) : 0;
        commit.rangeCounts = layout.rangeCounters ? new BlockRef(block.getLong(RANGE_COUNTS_OFFSET),
                block.getLong(RANGE_COUNTS_MIRROR_OFFSET)) : BlockRef.NONE;
        commit.spaceIndex = new BlockRef[indexCount];
        int at = indexOffset(version);
        for (int i = 0; i < indexCount; i++) {
            commit.spaceIndex[i] = layout.getRef(block, at);
            at += layout.refBytes();
        }
        if (layout.listedCommits) {
            int count = block.getInt(LISTED_COUNT_OFFSET);
            if (count < 0 || count > listCapacity(version, indexCount)) {
                return null;
            }
            Map<Long, Integer> listed = new LinkedHashMap<>();
            Set<Long> nodes = new HashSet<>();
            for (int i = 0; i < count; i++) {
                long named = block.getLong(listedOffset(i));
                long chunk = named & ~NODE_ONLY;
                listed.put(chunk, block.getInt(listedOffset(i) + 8));
                if (chunk != named) {
                    nodes.add(chunk);
                }
            }
            commit.listed = listed;
            commit.listedNodes = nodes;
        }
        return commit;
    }
}
