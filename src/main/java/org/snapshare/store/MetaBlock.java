package org.snapshare.store;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The 24-byte header every chunk-sized metadata block starts with (docs/FORMAT.md):
 * magic u32, version u16, a u16 the block type uses, CRC32C u32, a u32 the
 * block type uses, and the block's own chunk number u64 (catches misdirected
 * writes). The CRC covers the whole block with the CRC field taken as zero.
 */
final class MetaBlock {

    static final int HEADER = 24;
    static final short VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    /** A u16 the block type uses: a tree node's level. */
    static final int LEVEL_OFFSET = 6;
    static final int CRC_OFFSET = 8;
    static final int COUNT_OFFSET = 12;
    static final int SELF_OFFSET = 16;

    private MetaBlock() {
    }

    static void writeHeader(ByteBuffer block, BlockKind kind, int small, int count, long self) {
        block.putInt(MAGIC_OFFSET, kind.magic()).putShort(VERSION_OFFSET, VERSION).putShort(LEVEL_OFFSET, (short) small)
                .putInt(CRC_OFFSET, 0)
                .putInt(COUNT_OFFSET, count).putLong(SELF_OFFSET, self);
    }

    /** Fills in the CRC; call after the whole block is written. */
    static void seal(ByteBuffer block) {
        block.putInt(CRC_OFFSET, 0);
        block.putInt(CRC_OFFSET, crc(block));
    }

    /** Checks magic, version, self pointer and CRC; throws naming what was wrong. */
    static void verify(ByteBuffer block, BlockKind kind, long self) throws StoreCorruptException {
        String what = kind.what();
        if (block.getInt(MAGIC_OFFSET) != kind.magic()) {
            int found = block.getInt(MAGIC_OFFSET);
            throw new StoreCorruptException(what + " at chunk " + self + ": bad magic 0x" + Integer.toHexString(found)
                    + " (" + BlockKind.whose(found) + ")");
        }
        if (block.getShort(VERSION_OFFSET) != VERSION) {
            throw new StoreCorruptException(what + " at chunk " + self + ": unknown version "
                    + block.getShort(VERSION_OFFSET));
        }
        if (block.getLong(SELF_OFFSET) != self) {
            throw new StoreCorruptException(what + " at chunk " + self + " claims to be chunk " + block.getLong(SELF_OFFSET));
        }
        int stored = block.getInt(CRC_OFFSET);
        block.putInt(CRC_OFFSET, 0);
        int actual = crc(block);
        block.putInt(CRC_OFFSET, stored);
        if (stored != actual) {
            throw new StoreCorruptException(what + " at chunk " + self + ": checksum mismatch");
        }
    }

    /** CRC32C of the whole block. */
    static int crc(ByteBuffer block) {
        return crc(block, block.capacity());
    }

    /** CRC32C of the first {@code length} bytes. */
    static int crc(ByteBuffer block, int length) {
        CRC32C crc = new CRC32C();
        crc.update(block.duplicate().clear().limit(length));
        return (int) crc.getValue();
    }
}
