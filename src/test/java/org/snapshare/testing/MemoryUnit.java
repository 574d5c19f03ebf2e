package org.snapshare.testing;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.snapshare.snapshot.LogicalUnit;

/** A logical unit in a byte array, counting flushes, for protocol tests. */
public final class MemoryUnit implements LogicalUnit {

    private final byte[] bytes;
    private final long uniqueId;
    private final boolean readOnly;
    public final AtomicInteger flushes = new AtomicInteger();

    public MemoryUnit(int size, long uniqueId, boolean readOnly) {
        this.bytes = new byte[size];
        this.uniqueId = uniqueId;
        this.readOnly = readOnly;
    }

    public MemoryUnit(int size) {
        this(size, 0x1234_5678_9abc_def0L, false);
    }

    @Override
    public long sizeBytes() {
        return bytes.length;
    }

    @Override
    public long uniqueId() {
        return uniqueId;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) {
        dst.put(bytes, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) {
        src.get(bytes, (int) offset, src.remaining());
    }

    @Override
    public synchronized long compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement) {
        long differs = LogicalUnit.firstDifference(ByteBuffer.wrap(bytes, (int) offset, expected.remaining()).slice(),
                expected.duplicate());
        if (differs < 0) {
            write(offset, replacement);
        }
        return differs;
    }

    @Override
    public void flush() {
        flushes.incrementAndGet();
    }

    public synchronized byte[] copy(int offset, int length) {
        byte[] copy = new byte[length];
        System.arraycopy(bytes, offset, copy, 0, length);
        return copy;
    }
}
