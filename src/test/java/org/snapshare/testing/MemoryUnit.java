package org.snapshare.testing;

import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;
import java.util.concurrent.atomic.AtomicInteger;
import org.snapshare.snapshot.LogicalUnit;

/** A logical unit in a byte array, counting flushes, for protocol tests. */
public final class MemoryUnit implements LogicalUnit {

    private final byte[] bytes;
    private final long uniqueId;
    private final boolean readOnly;
    private final boolean thin;
    public final AtomicInteger flushes = new AtomicInteger();

    private MemoryUnit(int size, long uniqueId, boolean readOnly, boolean thin) {
        this.bytes = new byte[size];
        this.uniqueId = uniqueId;
        this.readOnly = readOnly;
        this.thin = thin;
    }

    public MemoryUnit(int size, long uniqueId, boolean readOnly) {
        this(size, uniqueId, readOnly, false);
    }

    public MemoryUnit(int size) {
        this(size, 0x1234_5678_9abc_def0L, false);
    }

    /** A thin-provisioned unit: UNMAP zeroes (it has no storage to free). */
    public static MemoryUnit thin(int size) {
        return new MemoryUnit(size, 0x0fed_cba9_8765_4321L, false, true);
    }

    @Override
    public boolean thinProvisioned() {
        return thin;
    }

    @Override
    public void writeZeros(long offset, long length) {
        unmap(offset, length);
    }

    @Override
    public void unmap(long offset, long length) {
        if (!thin) {
            throw new UnsupportedOperationException("not thin provisioned");
        }
        synchronized (this) {
            java.util.Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
        }
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
    public synchronized void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) {
        ByteBuffer replacement = update.apply(ByteBuffer.wrap(copy((int) offset, length)));
        if (replacement != null) {
            write(offset, replacement);
        }
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
