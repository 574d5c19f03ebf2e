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
    /** The version new stores get: 2 carries the cluster lock generation in every commit block. */
    static final int VERSION = 2;
    /** Stores of version 1 still mount, single node only, and keep writing version 1 commit blocks. */
    static final int OLDEST_VERSION = 1;
    static final int MIN_CHUNK_SHIFT = 12;
    static final int MAX_CHUNK_SHIFT = 20;

    final int chunkShift;
    final long chunkCount;
    final long originChunks;
    final long nonce;
    final int version;

    Superblock(int chunkShift, long chunkCount, long originChunks, long nonce) {
        this(VERSION, chunkShift, chunkCount, originChunks, nonce);
    }

    private Superblock(int version, int chunkShift, long chunkCount, long originChunks, long nonce) {
        this.version = version;
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
        block.putLong(0, MAGIC).putInt(8, version).putInt(12, chunkShift).putLong(16, chunkCount)
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
        int version = block.getInt(8);
        if (version < OLDEST_VERSION || version > VERSION) {
            throw new StoreCorruptException("store format version " + version + " is not supported (this build reads "
                    + OLDEST_VERSION + " to " + VERSION + "); use the snapshare release that made it");
        }
        int shift = block.getInt(12);
        if (shift < MIN_CHUNK_SHIFT || shift > MAX_CHUNK_SHIFT || block.getInt(40) != CommitBlock.SLOTS) {
            throw new StoreCorruptException("superblock has impossible geometry (chunk shift " + shift + ")");
        }
        return new Superblock(version, shift, block.getLong(16), block.getLong(24), block.getLong(32));
    }
}
