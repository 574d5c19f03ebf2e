package org.snapshare.snapshot;

/** What the origin and snapshot LUNs of one volume have in common: its I/O rules, size and identity. */
abstract class VolumeUnit implements LogicalUnit {

    final VolumeIo io;
    private volatile long sizeBytes;
    private final long uniqueId;

    VolumeUnit(VolumeIo io, long sizeBytes, long uniqueId) {
        this.io = io;
        this.sizeBytes = sizeBytes;
        this.uniqueId = uniqueId;
    }

    @Override
    public final long sizeBytes() {
        return sizeBytes;
    }

    /** The volume was resized (the origin's unit; snapshots keep the size they were taken with). */
    void resized(long newSizeBytes) {
        this.sizeBytes = newSizeBytes;
    }

    @Override
    public final long uniqueId() {
        return uniqueId;
    }

    @Override
    public final boolean readOnly() {
        return false;
    }
}
