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
    private static final int INDEX_OFFSET = 96;
    static final int MAX_INDEX_CHUNKS = (SIZE - 4 - INDEX_OFFSET) / 8;

    long sequence;
    long treeRoot;
    int treeHeight;
    long snapshotTable;
    long nextSnapshotId;
    long freeChunks;
    long deleteCursorChunk;
    long deleteCursorId;
    long[] spaceIndex = new long[0];

    static long slotOffset(long sequence) {
        return Superblock.SIZE + (sequence % SLOTS) * SIZE;
    }

    ByteBuffer encode(long nonce) {
        if (spaceIndex.length > MAX_INDEX_CHUNKS) {
            throw new IllegalStateException("space map index of " + spaceIndex.length + " chunks does not fit");
        }
        ByteBuffer block = ByteBuffer.allocate(SIZE);
        block.putLong(0, MAGIC).putInt(8, 1).putLong(16, nonce).putLong(24, sequence).putLong(32, treeRoot)
                .putInt(40, treeHeight).putLong(48, snapshotTable).putLong(56, nextSnapshotId)
                .putLong(64, freeChunks).putLong(72, deleteCursorChunk).putLong(80, deleteCursorId)
                .putInt(88, spaceIndex.length);
        for (int i = 0; i < spaceIndex.length; i++) {
            block.putLong(INDEX_OFFSET + 8 * i, spaceIndex[i]);
        }
        block.putInt(SIZE - 4, MetaBlock.crc(block, SIZE - 4));
        return block;
    }

    /** The commit in {@code block}, or null if the slot is empty, torn or from another format. */
    static CommitBlock decode(ByteBuffer block, long nonce) {
        if (block.getLong(0) != MAGIC || block.getInt(8) != 1 || block.getLong(16) != nonce
                || block.getInt(SIZE - 4) != MetaBlock.crc(block, SIZE - 4)) {
            return null;
        }
        int indexCount = block.getInt(88);
        if (indexCount < 0 || indexCount > MAX_INDEX_CHUNKS) {
            return null;
        }
        CommitBlock commit = new CommitBlock();
        commit.sequence = block.getLong(24);
        commit.treeRoot = block.getLong(32);
        commit.treeHeight = block.getInt(40);
        commit.snapshotTable = block.getLong(48);
        commit.nextSnapshotId = block.getLong(56);
        commit.freeChunks = block.getLong(64);
        commit.deleteCursorChunk = block.getLong(72);
        commit.deleteCursorId = block.getLong(80);
        commit.spaceIndex = new long[indexCount];
        for (int i = 0; i < indexCount; i++) {
            commit.spaceIndex[i] = block.getLong(INDEX_OFFSET + 8 * i);
        }
        return commit;
    }
}
