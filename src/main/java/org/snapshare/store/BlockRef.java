package org.snapshare.store;

import java.util.List;

/**
 * Where a metadata block lives: its primary chunk and, in a mirrored store
 * (format 3), the chunk of its second copy; {@code mirror} is 0 in older
 * formats, which keep one copy. Chunk 0 holds the superblock, so 0 never
 * names a metadata block.
 */
record BlockRef(long primary, long mirror) {

    static final BlockRef NONE = new BlockRef(0, 0);

    static BlockRef single(long primary) {
        return new BlockRef(primary, 0);
    }

    boolean isNone() {
        return primary == 0;
    }

    boolean mirrored() {
        return mirror != 0;
    }

    /** Every chunk the block takes: one, or two when mirrored. */
    List<Long> chunks() {
        return mirrored() ? List.of(primary, mirror) : List.of(primary);
    }

    @Override
    public String toString() {
        return mirrored() ? primary + "+" + mirror : Long.toString(primary);
    }
}
