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
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int CHUNK_SHIFT_OFFSET = 12;
    static final int CHUNK_COUNT_OFFSET = 16;
    static final int ORIGIN_CHUNKS_OFFSET = 24;
    static final int NONCE_OFFSET = 32;
    static final int SLOTS_OFFSET = 40;
    static final int CRC_OFFSET = SIZE - 4;
    static final long MAGIC = ByteBuffer.wrap("SNAPSTOR".getBytes(StandardCharsets.US_ASCII)).getLong();
    /**
     * The version new stores get: 2 carries the cluster lock generation in
     * every commit block, 3 keeps two copies of every metadata block, 4
     * keeps each snapshot's identity, 5 commits with one flush, 6 keeps
     * each snapshot's parent (snapshots of snapshots), 7 keeps each tree
     * node in the first 4 KiB of its chunk.
     */
    static final int VERSION = 7;
    /** Stores of versions 1 to 6 still mount and keep their format (version 1: single node only). */
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
        block.putLong(MAGIC_OFFSET, MAGIC).putInt(VERSION_OFFSET, version).putInt(CHUNK_SHIFT_OFFSET, chunkShift)
                .putLong(CHUNK_COUNT_OFFSET, chunkCount).putLong(ORIGIN_CHUNKS_OFFSET, originChunks)
                .putLong(NONCE_OFFSET, nonce).putInt(SLOTS_OFFSET, CommitBlock.SLOTS);
        block.putInt(CRC_OFFSET, MetaBlock.crc(block, CRC_OFFSET));
        return block;
    }

    /**
     * The superblock of {@code device}; when the first copy is damaged, the
     * second (format 3), which is also written back over the first: the
     * superblock never changes after format, so that is always safe.
     * {@code healed} runs when it did.
     */
    static Superblock read(BlockDevice device, Runnable healed) throws IOException {
        Copy first = Copy.read(device, 0);
        if (first.good()) {
            return first.decoded();
        }
        if (device.size() < StoreLayout.SUPERBLOCK_COPY_OFFSET + SIZE) {
            throw first.damage();
        }
        Copy second = Copy.read(device, StoreLayout.SUPERBLOCK_COPY_OFFSET);
        if (!second.good() || !second.decoded().layout().mirrored) {
            throw first.damage(); // older formats keep one copy: what is there is not one
        }
        LOG.warn("superblock of {} was damaged ({}); healed from its copy", device, first.damage().getMessage());
        second.writeOver(device, first);
        healed.run();
        return second.decoded();
    }

    /** One copy of the superblock as the device holds it: decoded, or the reason it is damaged. */
    record Copy(long offset, ByteBuffer bytes, Superblock decoded, StoreCorruptException damage) {

        /** Both places of a format 3 store. */
        static final long[] OFFSETS = {0, StoreLayout.SUPERBLOCK_COPY_OFFSET};

        static Copy read(BlockDevice device, long offset) throws IOException {
            ByteBuffer bytes = ByteBuffer.allocate(SIZE);
            device.read(offset, bytes);
            try {
                return new Copy(offset, bytes, decode(bytes.clear()), null);
            } catch (StoreCorruptException damaged) {
                return new Copy(offset, bytes, null, damaged);
            }
        }

        boolean good() {
            return damage == null;
        }

        /** Writes this (good) copy's bytes over {@code bad}'s place and flushes: the superblock never changes. */
        void writeOver(BlockDevice device, Copy bad) throws IOException {
            device.write(bad.offset(), bytes.duplicate().clear());
            device.flush();
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
        if (block.getLong(MAGIC_OFFSET) != MAGIC) {
            throw new StoreCorruptException("not a snapshare exception store (no superblock magic); format it first");
        }
        if (block.getInt(CRC_OFFSET) != MetaBlock.crc(block, CRC_OFFSET)) {
            throw new StoreCorruptException("superblock checksum mismatch: the store's header is damaged");
        }
        int version = block.getInt(VERSION_OFFSET);
        if (version < OLDEST_VERSION || version > VERSION) {
            throw new StoreCorruptException("store format version " + version + " is not supported (this build reads "
                    + OLDEST_VERSION + " to " + VERSION + "); use the snapshare release that made it");
        }
        int shift = block.getInt(CHUNK_SHIFT_OFFSET);
        if (shift < MIN_CHUNK_SHIFT || shift > MAX_CHUNK_SHIFT || block.getInt(SLOTS_OFFSET) != CommitBlock.SLOTS) {
            throw new StoreCorruptException("superblock has impossible geometry (chunk shift " + shift + ")");
        }
        return new Superblock(version, shift, block.getLong(CHUNK_COUNT_OFFSET), block.getLong(ORIGIN_CHUNKS_OFFSET),
                block.getLong(NONCE_OFFSET));
    }
}
