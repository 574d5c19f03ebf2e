package org.snapshare.snapshot;

import java.util.concurrent.atomic.AtomicLongArray;
import org.snapshare.store.ExceptionEntry;

/**
 * Store chunks whose whole data was read and matched its checksum lately,
 * so that a read of a piece of one (4 KiB of a 64 KiB chunk) can read just
 * that piece instead of the whole chunk again to check it. Keyed by store
 * chunk and checksum together: a chunk that is freed and copied into again
 * gets a new checksum (unless its bytes are the same), and one a snapshot
 * writes into has none, so neither is taken for verified. Bounded: a
 * direct-mapped table of {@link #SLOTS} slots, one long each, where
 * a newer chunk replaces an older one; nothing expires by time. The price,
 * recorded in docs/STORE.md: bit rot that strikes a chunk after its
 * check, while it stays in the table, reaches a partial read unnoticed
 * (scrub still checks it, and a copy it finds damaged is forgotten here,
 * so reads fail on it again).
 */
final class VerifiedChunks {

    /** 32,768 chunks: 2 GiB of 64 KiB chunks, in 256 KiB of heap per volume. */
    static final int SLOTS = 1 << 15;
    private static final int SLOT_BITS = Integer.numberOfTrailingZeros(SLOTS);
    /** Above it the chunk number's high part and the checksum do not fit one long beside the in-use bit. */
    private static final long LARGEST_CHUNK = (1L << (SLOT_BITS + 31)) - 1;

    /** Per slot: the chunk number's bits above the slot's, the in-use bit (32), the checksum (0..31); 0 = empty. */
    private final AtomicLongArray slots = new AtomicLongArray(SLOTS);

    /** Whether {@code entry}'s chunk was checked against {@code entry}'s checksum lately. */
    boolean contains(ExceptionEntry entry) {
        return keepable(entry) && slots.get(slot(entry)) == key(entry);
    }

    /** {@code entry}'s chunk was read whole and matched its checksum. */
    void verified(ExceptionEntry entry) {
        if (keepable(entry)) {
            slots.set(slot(entry), key(entry));
        }
    }

    /** {@code entry}'s chunk is no longer taken for checked (scrub found it damaged). */
    void forget(ExceptionEntry entry) {
        if (keepable(entry)) {
            slots.compareAndSet(slot(entry), key(entry), 0);
        }
    }

    /** Only checksummed chunks, and only those whose number fits a slot's key, are kept. */
    private static boolean keepable(ExceptionEntry entry) {
        return entry.checksummed() && entry.storeChunk() <= LARGEST_CHUNK;
    }

    private static int slot(ExceptionEntry entry) {
        return (int) (entry.storeChunk() & (SLOTS - 1));
    }

    private static long key(ExceptionEntry entry) {
        return (entry.storeChunk() >>> SLOT_BITS) << 33 | 1L << 32 | entry.checksum();
    }
}
