package org.snapshare.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One slot of the commit ring (4 KiB each, right after the superblock): the
 * roots of everything a transaction left behind. Mount takes the valid slot
 * with the highest sequence number; a torn or stale slot fails its CRC or
 * nonce and is skipped. Layout in docs/FORMAT.md.
 */
final class CommitBlock {

    static final int SIZE = 4096;
    static final int SLOTS = 8;
    static final long MAGIC = ByteBuffer.wrap("SNAPCMIT".getBytes(StandardCharsets.US_ASCII)).getLong();
    /** Version 2 adds the cluster lock generation at offset 96 and moves the space map index behind it. */
    private static final int GENERATION_OFFSET = 96;

    /** Where the space map index starts in a commit block of {@code version}. */
    private static int indexOffset(int version) {
        return version == 1 ? 96 : 104;
    }

    /** Space map index chunks a commit block of {@code version} holds. */
    private static int maxIndexChunks(int version) {
        return (SIZE - 4 - indexOffset(version)) / 8;
    }

    /** The limit for every store: the newest layout holds the fewest (498, some 33 PB at 4 KiB chunks). */
    static final int MAX_INDEX_CHUNKS = maxIndexChunks(Superblock.VERSION);

    long sequence;
    long treeRoot;
    int treeHeight;
    long snapshotTable;
    long nextSnapshotId;
    long freeChunks;
    long deleteCursorChunk;
    long deleteCursorId;
    /** The cluster lock generation of the node that wrote it; 0 for a single node and in version 1. */
    long generation;
    long[] spaceIndex = new long[0];

    static long slotOffset(long sequence) {
        return Superblock.SIZE + (sequence % SLOTS) * SIZE;
    }

    /** The block in the layout of the store's format version, with its nonce. */
    ByteBuffer encode(Superblock store) {
        int version = store.version;
        if (spaceIndex.length > MAX_INDEX_CHUNKS) {
            throw new IllegalStateException("space map index of " + spaceIndex.length + " chunks does not fit");
        }
        if (version == 1 && generation != 0) {
            throw new IllegalStateException("a format 1 store has no room for a cluster lock generation");
        }
        int indexOffset = indexOffset(version);
        ByteBuffer block = ByteBuffer.allocate(SIZE);
        if (version > 1) {
            block.putLong(GENERATION_OFFSET, generation);
        }
        block.putLong(0, MAGIC).putInt(8, version).putLong(16, store.nonce).putLong(24, sequence).putLong(32, treeRoot)
                .putInt(40, treeHeight).putLong(48, snapshotTable).putLong(56, nextSnapshotId)
                .putLong(64, freeChunks).putLong(72, deleteCursorChunk).putLong(80, deleteCursorId)
                .putInt(88, spaceIndex.length);
        for (int i = 0; i < spaceIndex.length; i++) {
            block.putLong(indexOffset + 8 * i, spaceIndex[i]);
        }
        block.putInt(SIZE - 4, MetaBlock.crc(block, SIZE - 4));
        return block;
    }

    /**
     * The commit in {@code block}, or null if the slot is empty, torn, from
     * another format, or of another version than the store's.
     */
    static CommitBlock decode(ByteBuffer block, Superblock store) {
        int version = store.version;
        if (block.getLong(0) != MAGIC || block.getInt(8) != version || block.getLong(16) != store.nonce
                || block.getInt(SIZE - 4) != MetaBlock.crc(block, SIZE - 4)) {
            return null;
        }
        int indexCount = block.getInt(88);
        if (indexCount < 0 || indexCount > MAX_INDEX_CHUNKS) {
            return null;
        }
        int indexOffset = indexOffset(version);
        CommitBlock commit = new CommitBlock();
        commit.sequence = block.getLong(24);
        commit.treeRoot = block.getLong(32);
        commit.treeHeight = block.getInt(40);
        commit.snapshotTable = block.getLong(48);
        commit.nextSnapshotId = block.getLong(56);
        commit.freeChunks = block.getLong(64);
        commit.deleteCursorChunk = block.getLong(72);
        commit.deleteCursorId = block.getLong(80);
        commit.generation = version > 1 ? block.getLong(GENERATION_OFFSET) : 0;
        commit.spaceIndex = new long[indexCount];
        for (int i = 0; i < indexCount; i++) {
            commit.spaceIndex[i] = block.getLong(indexOffset + 8 * i);
        }
        return commit;
    }
}
