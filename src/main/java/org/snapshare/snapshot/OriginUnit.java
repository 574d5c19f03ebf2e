package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The origin of a volume as a LUN: writes copy for the snapshots first. */
final class OriginUnit implements LogicalUnit {

    private final VolumeIo io;
    private final long sizeBytes;
    private final long uniqueId;

    OriginUnit(VolumeIo io, long sizeBytes, long uniqueId) {
        this.io = io;
        this.sizeBytes = sizeBytes;
        this.uniqueId = uniqueId;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public long uniqueId() {
        return uniqueId;
    }

    @Override
    public boolean readOnly() {
        return false;
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
    public void flush() throws IOException {
        io.data.origin.flush(); // copies were committed before each origin write
    }
}
