package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;
import org.snapshare.store.StoreFencedException;
import org.snapshare.util.IoAction;
import org.snapshare.util.IoWork;

/**
 * A LUN whose every command passes the volume's {@link ClusterGate}; a fenced store reads as "retry".
 * Every user of the snapshot core gets its units through here (SCSI, streams), so here the byte
 * ranges are checked against the unit's size, by subtract-compare: offset + length can overflow.
 */
final class GatedUnit extends ForwardingUnit {

    private final ClusterGate gate;

    GatedUnit(LogicalUnit unit, ClusterGate gate) {
        super(unit);
        this.gate = gate;
    }

    private <T> T gated(IoWork<T> command) throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return command.run();
        } catch (StoreFencedException e) {
            throw new UnitUnavailableException(e.getMessage(), e);
        }
    }

    private void gated(IoAction action) throws IOException {
        gated(() -> {
            action.run();
            return null;
        });
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        gated(() -> unit.read(offset, dst));
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        gated(() -> unit.write(offset, src));
    }

    @Override
    public void flush() throws IOException {
        gated(unit::flush);
    }

    @Override
    public void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException {
        checkRange(offset, length);
        gated(() -> unit.readModifyWrite(offset, length, update));
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        checkRange(offset, length);
        gated(() -> unit.unmap(offset, length));
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        checkRange(offset, length);
        gated(() -> unit.writeZeros(offset, length));
    }

    @Override
    public BlockStatus status(long offset) throws IOException {
        return gated(() -> unit.status(offset));
    }

    private void checkRange(long offset, long length) throws IOException {
        long size = unit.sizeBytes();
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IOException("access of " + length + " bytes at byte " + offset + " is outside the unit's "
                    + size + " bytes");
        }
    }

    /** Runs {@code work} in one pass of the gate; the unit calls it makes re-enter the same pass. */
    @Override
    public <T> T inTenure(TenureWork<T> work) throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return work.run(pass.tenure());
        } catch (StoreFencedException e) {
            throw new UnitUnavailableException(e.getMessage(), e);
        }
    }
}
