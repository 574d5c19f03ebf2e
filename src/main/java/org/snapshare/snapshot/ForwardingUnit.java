package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;

/** A logical unit that hands every call to another; decorators override what they change. */
public abstract class ForwardingUnit implements LogicalUnit {

    protected final LogicalUnit unit;

    protected ForwardingUnit(LogicalUnit unit) {
        this.unit = unit;
    }

    @Override
    public long sizeBytes() {
        return unit.sizeBytes();
    }

    @Override
    public long uniqueId() {
        return unit.uniqueId();
    }

    @Override
    public boolean readOnly() {
        return unit.readOnly();
    }

    @Override
    public boolean thinProvisioned() {
        return unit.thinProvisioned();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        unit.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        unit.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        unit.flush();
    }

    @Override
    public void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException {
        unit.readModifyWrite(offset, length, update);
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        unit.unmap(offset, length);
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        unit.writeZeros(offset, length);
    }

    @Override
    public BlockStatus status(long offset) throws IOException {
        return unit.status(offset);
    }

    @Override
    public <T> T inTenure(TenureWork<T> work) throws IOException {
        return unit.inTenure(work);
    }
}
