package org.snapshare.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Block 0 of the store (4 KiB): what was fixed at format time. Layout in
 * docs/FORMAT.md.
 */
final class Superblock {

    static final int SIZE = 4096;
    static final long MAGIC = ByteBuffer.wrap("SNAPSTOR".getBytes(StandardCharsets.US_ASCII)).getLong();
    static final int VERSION = 1;
    static final int MIN_CHUNK_SHIFT = 12;
    static final int MAX_CHUNK_SHIFT = 20;

    final int chunkShift;
    final long chunkCount;
    final long originChunks;
    final long nonce;

    Superblock(int chunkShift, long chunkCount, long originChunks, long nonce) {
        this.chunkShift = chunkShift;
        this.chunkCount = chunkCount;
        this.originChunks = originChunks;
        this.nonce = nonce;
    }

    int chunkSize() {
        return 1 << chunkShift;
    }

    ByteBuffer encode() {
        ByteBuffer block = ByteBuffer.allocate(SIZE);
        block.putLong(0, MAGIC).putInt(8, VERSION).putInt(12, chunkShift).putLong(16, chunkCount)
                .putLong(24, originChunks).putLong(32, nonce).putInt(40, CommitBlock.SLOTS);
        block.putInt(SIZE - 4, MetaBlock.crc(block, SIZE - 4));
        return block;
    }

    static Superblock decode(ByteBuffer block) throws StoreCorruptException {
        if (block.getLong(0) != MAGIC) {
            throw new StoreCorruptException("not a snapshare exception store (no superblock magic); format it first");
        }
        if (block.getInt(SIZE - 4) != MetaBlock.crc(block, SIZE - 4)) {
            throw new StoreCorruptException("superblock checksum mismatch: the store's header is damaged");
        }
        if (block.getInt(8) != VERSION) {
            throw new StoreCorruptException("store format version " + block.getInt(8) + " is not supported (expected "
                    + VERSION + ")");
        }
        int shift = block.getInt(12);
        if (shift < MIN_CHUNK_SHIFT || shift > MAX_CHUNK_SHIFT || block.getInt(40) != CommitBlock.SLOTS) {
            throw new StoreCorruptException("superblock has impossible geometry (chunk shift " + shift + ")");
        }
        return new Superblock(shift, block.getLong(16), block.getLong(24), block.getLong(32));
    }
}
