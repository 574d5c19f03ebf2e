package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;

/** One snapshot of a volume as a LUN, the same size as its origin. */
final class SnapshotUnit extends VolumeUnit {

    private final long snapshotId;

    SnapshotUnit(VolumeIo io, long snapshotId, long sizeBytes, long volumeUniqueId) {
        super(io, sizeBytes, mix(volumeUniqueId ^ (snapshotId * 0x9E3779B97F4A7C15L)));
        this.snapshotId = snapshotId;
    }

    /** SplitMix64's finaliser: a stable, well-spread id per (volume, snapshot id). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        io.readSnapshot(snapshotId, offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        io.writeSnapshot(snapshotId, offset, src);
    }

    @Override
    public void readModifyWrite(long offset, int length, UnaryOperator<ByteBuffer> update) throws IOException {
        io.readModifyWrite(snapshotId, offset, length, update);
    }

    /** Thin when the store can keep unmapped ranges (format 3): UNMAP frees the snapshot's own copies. */
    @Override
    public boolean thinProvisioned() {
        return io.data.store.holdsUnmappedRanges();
    }

    @Override
    public void unmap(long offset, long length) throws IOException {
        io.unmapSnapshot(snapshotId, offset, length);
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        io.unmapSnapshot(snapshotId, offset, length); // the same: whole chunks unmapped, partial ones zeroed
    }

    @Override
    public BlockStatus status(long offset) throws IOException {
        return io.snapshotStatus(snapshotId, offset, sizeBytes());
    }

    @Override
    public void flush() throws IOException {
        io.data.store.flush(); // in-place writes; new entries were committed with their write
    }
}
