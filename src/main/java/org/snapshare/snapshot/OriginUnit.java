package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;

/** The origin of a volume as a LUN: writes copy for the snapshots first; a flush writes deferred writes back. */
final class OriginUnit extends VolumeUnit {

    OriginUnit(VolumeIo io, long sizeBytes, long uniqueId) {
        super(io, sizeBytes, uniqueId);
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        io.readOrigin(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        io.writeOrigin(offset, src);
    }

    @Override
    public boolean thinProvisioned() {
        return true;
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        io.unmapOrigin(offset, length);
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        io.zeroOrigin(offset, length);
    }

    @Override
    public BlockStatus status(long offset) throws IOException {
        return io.originStatus(offset, sizeBytes());
    }

    @Override
    public void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException {
        io.readModifyWrite(0, offset, length, update); // snapshot ids start at 1
    }

    @Override
    public void flush() throws IOException {
        io.writeBackPending(); // commits the copies the deferred writes wait for, then writes them
        io.data.origin.flush();
    }
}
