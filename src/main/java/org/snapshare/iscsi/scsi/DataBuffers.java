package org.snapshare.iscsi.scsi;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for the data of reads and writes, reused: data read from
 * the socket (or the unit) into one and written to the unit (or the socket)
 * from it is never copied by the JVM (a heap buffer costs a copy on each side
 * and its zeroing when allocated).
 * Each buffer holds {@link #SLOT} bytes; larger commands, and any command
 * while the direct bytes of all buffers alive would pass the limit, get a
 * heap buffer. A buffer never given back (an aborted command, a dropped
 * connection) leaves the limit when the garbage collector frees it.
 * <p>
 * Every lease, direct or heap, counts against one budget of bytes in use
 * (config key {@code buffer-memory}): a command that would pass it gets no
 * buffer, and its initiator TASK SET FULL, so commands from the network can
 * never take the heap (docs/SECURITY.md).
 */
public final class DataBuffers {

    /** The size of each direct buffer: the largest data a command gets one for. */
    static final int SLOT = 1 << 20;
    private static final Cleaner CLEANER = Cleaner.create();

    /** A command's data buffer, and the pooled buffer it is part of (null when not pooled). */
    public static final class Lease {
        private final ByteBuffer data;
        private final ByteBuffer slot;
        private final DataBuffers pool;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(ByteBuffer data, ByteBuffer slot, DataBuffers pool) {
            this.data = data;
            this.slot = slot;
            this.pool = pool;
        }

        /** The buffer, exactly as long as asked for. */
        public ByteBuffer data() {
            return data;
        }

        ByteBuffer slot() {
            return slot;
        }

        /**
         * Gives the buffer back for reuse; nothing may use its data afterwards.
         * Only the first call counts: twice would hand one buffer to two commands.
         */
        public void release() {
            if (released.compareAndSet(false, true)) {
                pool.inUseBytes.addAndGet(-data.capacity());
                if (slot != null) {
                    pool.free.offer(slot);
                }
            }
        }
    }

    private final long limitBytes;
    private final AtomicLong aliveBytes = new AtomicLong();
    private final AtomicLong inUseBytes = new AtomicLong();
    private volatile long budgetBytes = Long.MAX_VALUE;
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

    DataBuffers(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** Shared by every connection: an eighth of the heap's limit, at most 64 MiB (docs/ISCSI.md, "Buffers"). */
    public static final DataBuffers SHARED = new DataBuffers(Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8));

    /** Sets the budget: the bytes all leases not yet released may hold together. */
    public void budget(long bytes) {
        budgetBytes = bytes;
    }

    /** A buffer of exactly {@code length} bytes, from position 0; null when it would pass the budget. */
    public Lease tryTake(int length) {
        if (inUseBytes.addAndGet(length) > budgetBytes) {
            inUseBytes.addAndGet(-length);
            return null;
        }
        if (length > SLOT) {
            return new Lease(ByteBuffer.allocate(length), null, this);
        }
        ByteBuffer slot = free.poll();
        if (slot == null) {
            slot = allocate();
            if (slot == null) {
                return new Lease(ByteBuffer.allocate(length), null, this);
            }
        }
        return new Lease(slot.slice(0, length), slot, this);
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

    /** Bytes the leases not yet released hold, counted against the budget. */
    public long inUseBytes() {
        return inUseBytes.get();
    }

    /** Direct bytes of the buffers alive now (in use or free). */
    long aliveBytes() {
        return aliveBytes.get();
    }
}
