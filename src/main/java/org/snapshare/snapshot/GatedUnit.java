package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;
import org.snapshare.store.StoreFencedException;

/** A LUN whose every command passes the volume's {@link ClusterGate}; a fenced store reads as "retry". */
final class GatedUnit extends ForwardingUnit {

    private final ClusterGate gate;

    GatedUnit(LogicalUnit unit, ClusterGate gate) {
        super(unit);
        this.gate = gate;
    }

    @FunctionalInterface
    private interface Command<T> {
        T run() throws IOException;
    }

    @FunctionalInterface
    private interface Action {
        void run() throws IOException;
    }

    private <T> T gated(Command<T> command) throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return command.run();
        } catch (StoreFencedException e) {
            throw new UnitUnavailableException(e.getMessage(), e);
        }
    }

    private void gated(Action action) throws IOException {
        gated(() -> {
            action.run();
            return null;
        });
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        gated(() -> unit.read(offset, dst));
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        gated(() -> unit.write(offset, src));
    }

    @Override
    public void flush() throws IOException {
        gated(unit::flush);
    }

    @Override
    public void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException {
        gated(() -> unit.readModifyWrite(offset, length, update));
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        gated(() -> unit.unmap(offset, length));
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        gated(() -> unit.writeZeros(offset, length));
    }

    @Override
    public BlockStatus status(long offset) throws IOException {
        return gated(() -> unit.status(offset));
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
