package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import org.snapshare.snapshot.CloneFill;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;

/** An opened volume: its recorded identity and the snapshot core that serves its origin and snapshots. */
public final class Volume implements Closeable {

    public final String name;
    public final long uniqueId;
    public final Instant created;
    private final SnapshotCore core;
    /** The copy from the volume it was cloned from, while it runs (or its journal is left). */
    private final Optional<CloneFill> cloneFill;

    Volume(String name, long uniqueId, Instant created, SnapshotCore core, Optional<CloneFill> cloneFill) {
        this.name = name;
        this.uniqueId = uniqueId;
        this.created = created;
        this.core = core;
        this.cloneFill = cloneFill;
    }

    /** The copy from the volume this one was cloned from, until it is over. */
    public Optional<CloneFill> cloneFill() {
        return cloneFill;
    }

    /** The origin's size now (a resize grows it). */
    public long sizeBytes() {
        return core.sizeBytes();
    }

    /** The origin, served as the volume's own LUN. */
    public LogicalUnit unit() {
        return core.origin();
    }

    /** The snapshot core serving the volume: its snapshots, store, background work and cluster lock. */
    public SnapshotCore core() {
        return core;
    }

    /** Stops background work, commits the store, flushes and closes the devices. */
    @Override
    public void close() throws IOException {
        core.close();
    }
}
