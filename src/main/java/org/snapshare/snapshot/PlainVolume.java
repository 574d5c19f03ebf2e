package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.snapshare.device.BlockDevice;

/**
 * An origin with no snapshots: I/O goes straight to its device. The snapshot
 * core replaces this once volumes carry an exception store.
 */
public final class PlainVolume implements LogicalUnit {

    private final BlockDevice origin;
    private final long uniqueId;
    private final long sizeBytes;

    public PlainVolume(BlockDevice origin, long uniqueId) throws IOException {
        this.origin = origin;
        this.uniqueId = uniqueId;
        this.sizeBytes = origin.size() - origin.size() % BLOCK_SIZE;
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
        origin.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        origin.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        origin.flush();
    }
}
