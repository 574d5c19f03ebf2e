package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;

/** An opened volume: its recorded identity and the snapshot core that serves its origin and snapshots. */
public final class Volume implements Closeable {

    public final String name;
    public final long uniqueId;
    public final Instant created;
    private final SnapshotCore core;

    Volume(String name, long uniqueId, Instant created, SnapshotCore core) {
        this.name = name;
        this.uniqueId = uniqueId;
        this.created = created;
        this.core = core;
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
