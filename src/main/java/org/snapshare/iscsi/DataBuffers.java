package org.snapshare.iscsi;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for the data of write commands, reused: data read from the
 * socket into one and written to a file from it is never copied by the JVM
 * (a heap buffer costs a copy on each side and its zeroing when allocated).
 * Each buffer holds {@link #SLOT} bytes; larger commands, and any command
 * while the direct bytes of all buffers alive would pass the limit, get a
 * heap buffer. A buffer never given back (an aborted command, a dropped
 * connection) leaves the limit when the garbage collector frees it.
 */
final class DataBuffers {

    /** The size of each direct buffer: the largest data a command gets one for. */
    static final int SLOT = 1 << 20;
    private static final Cleaner CLEANER = Cleaner.create();

    /** A command's data buffer, and the pooled buffer it is part of (null when not pooled). */
    record Lease(ByteBuffer data, ByteBuffer slot) {
    }

    private final long limitBytes;
    private final AtomicLong aliveBytes = new AtomicLong();
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

    DataBuffers(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** Shared by every connection: an eighth of the heap's limit, at most 64 MiB (docs/ISCSI.md, "Buffers"). */
    static final DataBuffers SHARED = new DataBuffers(Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8));

    /** A buffer of exactly {@code length} bytes, from position 0. */
    Lease take(int length) {
        if (length > SLOT) {
            return new Lease(ByteBuffer.allocate(length), null);
        }
        ByteBuffer slot = free.poll();
        if (slot == null) {
            slot = allocate();
            if (slot == null) {
                return new Lease(ByteBuffer.allocate(length), null);
            }
        }
        return new Lease(slot.slice(0, length), slot);
    }

    /** Gives the lease's buffer back for reuse; nothing may use its data afterwards. */
    void release(Lease lease) {
        if (lease.slot() != null) {
            free.offer(lease.slot());
        }
    }

    private ByteBuffer allocate() {
        if (aliveBytes.addAndGet(SLOT) > limitBytes) {
            aliveBytes.addAndGet(-SLOT);
            return null;
        }
        ByteBuffer slot = ByteBuffer.allocateDirect(SLOT);
        CLEANER.register(slot, () -> aliveBytes.addAndGet(-SLOT));
        return slot;
    }

    /** Direct bytes of the buffers alive now (in use or free). */
    long aliveBytes() {
        return aliveBytes.get();
    }
}
