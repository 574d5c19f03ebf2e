package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/**
 * Block 0 of the store (4 KiB): what was fixed at format time. Layout in
 * docs/FORMAT.md.
 */
final class Superblock {

    private static final Logger LOG = LoggerFactory.getLogger(Superblock.class);

    static final int SIZE = 4096;
    static final long MAGIC = ByteBuffer.wrap("SNAPSTOR".getBytes(StandardCharsets.US_ASCII)).getLong();
    /**
     * The version new stores get: 2 carries the cluster lock generation in
     * every commit block, 3 keeps two copies of every metadata block.
     */
    static final int VERSION = 3;
    /** Stores of versions 1 and 2 still mount and keep their format (version 1: single node only). */
    static final int OLDEST_VERSION = 1;
    static final int MIN_CHUNK_SHIFT = 12;
    static final int MAX_CHUNK_SHIFT = 20;

    final int chunkShift;
    final long chunkCount;
    final long originChunks;
    final long nonce;
    final int version;

    Superblock(int version, int chunkShift, long chunkCount, long originChunks, long nonce) {
        this.version = version;
        this.chunkShift = chunkShift;
        this.chunkCount = chunkCount;
        this.originChunks = originChunks;
        this.nonce = nonce;
    }

    StoreLayout layout() {
        return StoreLayout.of(version);
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

    /**
     * The superblock of {@code device}; when the first copy is damaged, the
     * second (format 3), which is also written back over the first: the
     * superblock never changes after format, so that is always safe.
     * {@code healed} runs when it did.
     */
    static Superblock read(BlockDevice device, Runnable healed) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(SIZE);
        device.read(0, header);
        try {
            return decode(header.clear());
        } catch (StoreCorruptException damaged) {
            ByteBuffer copy = ByteBuffer.allocate(SIZE);
            if (device.size() < StoreLayout.SUPERBLOCK_COPY_OFFSET + SIZE) {
                throw damaged;
            }
            device.read(StoreLayout.SUPERBLOCK_COPY_OFFSET, copy);
            Superblock second;
            try {
                second = decode(copy.clear());
            } catch (StoreCorruptException alsoDamaged) {
                throw damaged;
            }
            if (!second.layout().mirrored) {
                throw damaged; // older formats keep one copy: what is there is not one
            }
            LOG.warn("superblock of {} was damaged ({}); healed from its copy", device, damaged.getMessage());
            device.write(0, copy.clear());
            device.flush();
            healed.run();
            return second;
        }
    }

    /** Writes the superblock, and its copy in a mirrored format. */
    void write(BlockDevice device) throws IOException {
        device.write(0, encode());
        if (layout().mirrored) {
            device.write(StoreLayout.SUPERBLOCK_COPY_OFFSET, encode());
        }
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
