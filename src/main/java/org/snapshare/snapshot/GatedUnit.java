package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;
import org.snapshare.store.StoreFencedException;

/** A LUN whose every command passes the volume's {@link ClusterGate}; a fenced store reads as "retry". */
final class GatedUnit implements LogicalUnit {

    private final LogicalUnit unit;
    private final ClusterGate gate;

    GatedUnit(LogicalUnit unit, ClusterGate gate) {
        this.unit = unit;
        this.gate = gate;
    }

    @FunctionalInterface
    private interface Command<T> {
        T run() throws IOException;
    }

    private <T> T gated(Command<T> command) throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return command.run();
        } catch (StoreFencedException e) {
            throw new UnitUnavailableException(e.getMessage(), e);
        }
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
        gated(() -> {
            unit.read(offset, dst);
            return null;
        });
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        gated(() -> {
            unit.write(offset, src);
            return null;
        });
    }

    @Override
    public void flush() throws IOException {
        gated(() -> {
            unit.flush();
            return null;
        });
    }

    @Override
    public void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException {
        gated(() -> {
            unit.readModifyWrite(offset, length, update);
            return null;
        });
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        gated(() -> {
            unit.unmap(offset, length);
            return null;
        });
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        gated(() -> {
            unit.writeZeros(offset, length);
            return null;
        });
    }

    @Override
    public BlockStatus status(long offset) throws IOException {
        return gated(() -> unit.status(offset));
    }
}
