package org.snapshare.snapshot;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The buffers copy-on-write batches read the origin into, and snapshot
 * reads check a whole copied chunk in: direct, so reads and writes from them
 * skip the JDK's copy through a temporary direct buffer. At most {@link #COUNT} exist for the whole server, made as needed
 * and reused; a batch waits for one when all are in use. Bounded so that the
 * command workers that stand in for ones waiting on a commit (up to 32 per
 * connection) cannot multiply direct memory.
 */
final class CopyBuffers {

    /** Buffers at most: 16 MiB of direct memory. */
    static final int COUNT = 16;
    /** Each holds one batch: {@link OriginCopier#BATCH_BYTES}, which is at least one chunk of any size. */
    static final int BYTES = OriginCopier.BATCH_BYTES;

    private static final Semaphore FREE = new Semaphore(COUNT);
    private static final ConcurrentLinkedQueue<ByteBuffer> MADE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger ALLOCATED = new AtomicInteger();

    private CopyBuffers() {
    }

    /** A cleared buffer of {@link #BYTES}; give it back with {@link #give}. */
    static ByteBuffer take() {
        FREE.acquireUninterruptibly();
        ByteBuffer buffer = MADE.poll();
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(BYTES);
            ALLOCATED.incrementAndGet();
        }
        return buffer.clear();
    }

    static void give(ByteBuffer buffer) {
        MADE.add(buffer);
        FREE.release();
    }

    /** Buffers made since the start: never more than {@link #COUNT}. */
    static int allocated() {
        return ALLOCATED.get();
    }
}
