package org.snapshare.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;
import org.snapshare.snapshot.ForwardingUnit;
import org.snapshare.snapshot.LogicalUnit;

/**
 * A logical unit served write-protected: the SCSI layer refuses writes with
 * WRITE PROTECTED before they get here, and this refuses any that would.
 */
final class ReadOnlyUnit extends ForwardingUnit {

    ReadOnlyUnit(LogicalUnit unit) {
        super(unit);
    }

    private static IOException refused() {
        return new IOException("the logical unit is read-only (read-only settings in the config)");
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public boolean thinProvisioned() {
        return false;
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
    public void unmap(long offset, long length) throws IOException {
        throw refused();
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        throw refused();
    }

    @Override
    public void flush() {
        // nothing written, nothing to make durable
    }
}
