package org.snapshare.store;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Origin chunks known to need no copy: no live snapshot lacks its own copy
 * of them (docs/STORE.md, "Copy-free chunks"). Asking costs no lock, so an
 * origin write whose snapshots already have their copies passes the store
 * without waiting for its lock. A chunk is remembered, under the store's
 * lock, when the tree showed nothing lacking; it is forgotten, under the
 * lock too, by every change that can make it lack a copy again: a new
 * snapshot or any other change of the snapshot table (all chunks), an entry
 * removed or narrowed (its chunk), a remount or a failed commit (all
 * chunks). Entries only added never make a copy lacking.
 *
 * Why a lock-free "yes" is safe: a new snapshot is taken while no origin
 * write is in flight (the snapshot core quiesces the origin), and entries
 * of a chunk change under that chunk's lock, which its writer holds from
 * this question until its data is on the origin.
 */
final class CopyFreeChunks {

    /** Bits per page: 2^20 chunks (64 GiB of origin at 64 KiB chunks) in 128 KiB. */
    private static final int PAGE_SHIFT = 20;
    private static final int PAGE_BITS = 1 << PAGE_SHIFT;
    /** Chunks past this are always asked of the tree (2^30 chunks, a 64 TiB origin at 64 KiB chunks). */
    private static final int PAGES = 1 << 10;

    /** Pages of bits, allocated as chunks in them are remembered; replaced whole to forget everything. */
    private volatile AtomicReferenceArray<AtomicLongArray> pages = new AtomicReferenceArray<>(PAGES);
    /** Answers given without the lock, for tests and benchmarks (an adder: every origin write counts). */
    private final LongAdder answered = new LongAdder();

    /** Whether no live snapshot lacks a copy of {@code chunk}; false when not known. Takes no lock. */
    boolean known(long chunk) {
        AtomicLongArray page = page(chunk, pages);
        boolean known = page != null && (page.get(wordIn(chunk)) & bitOf(chunk)) != 0;
        if (known) {
            answered.increment();
        }
        return known;
    }

    /** Under the store's lock: the tree showed that no live snapshot lacks a copy of {@code chunk}. */
    void remember(long chunk) {
        if (chunk < 0 || chunk >> PAGE_SHIFT >= PAGES) {
            return;
        }
        AtomicReferenceArray<AtomicLongArray> current = pages;
        int index = (int) (chunk >> PAGE_SHIFT);
        AtomicLongArray page = current.get(index);
        if (page == null) {
            page = new AtomicLongArray(PAGE_BITS / Long.SIZE);
            current.set(index, page);
        }
        long bit = bitOf(chunk);
        int word = wordIn(chunk);
        page.getAndUpdate(word, bits -> bits | bit);
    }

    /** Under the store's lock: an entry of {@code chunk} was removed or narrowed. */
    void forget(long chunk) {
        AtomicLongArray page = page(chunk, pages);
        if (page != null) {
            long bit = bitOf(chunk);
            page.getAndUpdate(wordIn(chunk), bits -> bits & ~bit);
        }
    }

    /** Under the store's lock: the snapshot table, the whole tree or the store's health changed. */
    void forgetAll() {
        pages = new AtomicReferenceArray<>(PAGES);
    }

    long answered() {
        return answered.sum();
    }

    private static AtomicLongArray page(long chunk, AtomicReferenceArray<AtomicLongArray> pages) {
        return chunk < 0 || chunk >> PAGE_SHIFT >= PAGES ? null : pages.get((int) (chunk >> PAGE_SHIFT));
    }

    private static int wordIn(long chunk) {
        return (int) (chunk & (PAGE_BITS - 1)) >>> 6;
    }

    private static long bitOf(long chunk) {
        return 1L << (chunk & 63);
    }
}
