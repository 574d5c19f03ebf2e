package org.snapshare.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;
import org.snapshare.snapshot.BlockStatus;
import org.snapshare.snapshot.LogicalUnit;

/**
 * A logical unit served write-protected: the SCSI layer refuses writes with
 * WRITE PROTECTED before they get here, and this refuses any that would.
 */
final class ReadOnlyUnit implements LogicalUnit {

    private final LogicalUnit unit;

    ReadOnlyUnit(LogicalUnit unit) {
        this.unit = unit;
    }

    private static IOException refused() {
        return new IOException("the logical unit is read-only (read-only settings in the config)");
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
        return true;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        unit.read(offset, dst);
    }

    @Override
    public BlockStatus status(long offset) throws IOException {
        return unit.status(offset);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        throw refused();
    }

    @Override
    public void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException {
        throw refused();
    }

    @Override
    public void flush() {
        // nothing written, nothing to make durable
    }
}
