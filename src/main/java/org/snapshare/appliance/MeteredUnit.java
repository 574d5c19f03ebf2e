package org.snapshare.appliance;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.snapshare.snapshot.BlockStatus;
import org.snapshare.snapshot.ForwardingUnit;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.util.IoWork;

/** A LUN whose operations are counted and timed (docs/METRICS.md); the series are looked up once. */
final class MeteredUnit extends ForwardingUnit {

    static final List<String> OPS = List.of("read", "write", "flush", "compare_write", "unmap", "write_zeros",
            "status");

    private final CounterDataPoint readBytes;
    private final CounterDataPoint writeBytes;
    private final Metrics.Op read;
    private final Metrics.Op write;
    private final Metrics.Op flush;
    private final Metrics.Op compareWrite;
    private final Metrics.Op unmap;
    private final Metrics.Op writeZeros;
    private final Metrics.Op status;

    MeteredUnit(LogicalUnit unit, CounterDataPoint readBytes, CounterDataPoint writeBytes,
            Function<String, Metrics.Op> ops) {
        super(unit);
        this.readBytes = readBytes;
        this.writeBytes = writeBytes;
        this.read = ops.apply("read");
        this.write = ops.apply("write");
        this.flush = ops.apply("flush");
        this.compareWrite = ops.apply("compare_write");
        this.unmap = ops.apply("unmap");
        this.writeZeros = ops.apply("write_zeros");
        this.status = ops.apply("status");
    }

    private static <T> T timed(Metrics.Op op, IoWork<T> call) throws IOException {
        long started = System.nanoTime();
        try {
            T result = call.run();
            op.ok().inc();
            return result;
        } catch (IOException | RuntimeException e) {
            op.failed().inc();
            throw e;
        } finally {
            op.seconds().observe((System.nanoTime() - started) / 1e9);
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int bytes = dst.remaining();
        timed(read, () -> {
            unit.read(offset, dst);
            return null;
        });
        readBytes.inc(bytes);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int bytes = src.remaining();
        timed(write, () -> {
            unit.write(offset, src);
            return null;
        });
        writeBytes.inc(bytes);
    }

    @Override
    public void flush() throws IOException {
        timed(flush, () -> {
            unit.flush();
            return null;
        });
    }

    @Override
    public void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException {
        timed(compareWrite, () -> {
            unit.readModifyWrite(offset, length, update);
            return null;
        });
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        timed(unmap, () -> {
            unit.unmap(offset, length);
            return null;
        });
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        timed(writeZeros, () -> {
            unit.writeZeros(offset, length);
            return null;
        });
    }

    @Override
    public BlockStatus status(long offset) throws IOException {
        return timed(status, () -> unit.status(offset));
    }
}
