package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;

/**
 * What the iSCSI layer serves as one LUN: an origin or a snapshot. This is the
 * only interface between the iscsi layer and the snapshot core.
 */
public interface LogicalUnit {

    /** Bytes per logical block as reported to initiators. */
    int BLOCK_SIZE = 512;

    /** Size in bytes, a multiple of {@link #BLOCK_SIZE}. */
    long sizeBytes();

    /**
     * A stable identifier, unique per LUN and kept across restarts; it becomes
     * the unit serial number and device identifier initiators key on.
     */
    long uniqueId();

    /** True when writes must be refused. */
    boolean readOnly();

    /** Fills {@code dst} from byte {@code offset}; the range is inside the unit. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src} at byte {@code offset}; durable only after {@link #flush()}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (SYNCHRONIZE CACHE, FUA). */
    void flush() throws IOException;

    /**
     * Atomically reads {@code length} bytes at {@code offset}, hands them to
     * {@code update} and writes what it returns there (same length; nothing
     * when it returns null). No other read or write of the range comes in
     * between (COMPARE AND WRITE, ORWRITE).
     */
    void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException;

    /**
     * Atomically: if the bytes at {@code offset} equal {@code expected}, writes
     * {@code replacement} (same length) there and returns -1; otherwise writes
     * nothing and returns the index of the first byte that differs.
     */
    default long compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement) throws IOException {
        long[] differs = {-1};
        readModifyWrite(offset, expected.remaining(), current -> {
            differs[0] = firstDifference(current, expected.duplicate());
            return differs[0] >= 0 ? null : replacement;
        });
        return differs[0];
    }

    /** Work that must see the unit, and state kept beside it, in one tenure (see {@link #inTenure}). */
    @FunctionalInterface
    interface TenureWork<T> {
        /** {@code tenure} numbers the tenure; a new number means state kept elsewhere may have changed. */
        T run(long tenure) throws IOException;
    }

    /**
     * Runs {@code work}, whose calls on this unit and whatever it checks
     * beside them (persistent reservations) must belong together: a unit of a
     * clustered volume runs it under one hold of the volume's lock, taking the
     * lock first, so no other node acts in between. This default (one node)
     * simply runs it, always in tenure 0.
     */
    default <T> T inTenure(TenureWork<T> work) throws IOException {
        return work.run(0);
    }

    /** True when the unit is thin provisioned: {@link #unmap} and {@link #writeZeros} may free storage. */
    default boolean thinProvisioned() {
        return false;
    }

    /**
     * UNMAP: the initiator no longer needs the range. What can be freed is
     * freed and reads zeros; what cannot keeps its data and stays mapped,
     * which SBC allows. Only thin-provisioned units take it.
     */
    default void unmap(long offset, long length) throws IOException {
        throw new UnsupportedOperationException("not thin provisioned");
    }

    /** Makes the range read zeros, freeing storage (WRITE SAME with UNMAP). Only thin-provisioned units take it. */
    default void writeZeros(long offset, long length) throws IOException {
        throw new UnsupportedOperationException("not thin provisioned");
    }

    /** Whether the bytes from {@code offset} are mapped, and where that run ends; this default maps all. */
    default BlockStatus status(long offset) throws IOException {
        return new BlockStatus(true, sizeBytes());
    }

    /** The index of the first byte where {@code a} and {@code b} differ, or -1. */
    static long firstDifference(ByteBuffer a, ByteBuffer b) {
        long at = a.mismatch(b);
        return at >= Math.min(a.remaining(), b.remaining()) ? -1 : at;
    }
}
