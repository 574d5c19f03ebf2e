package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import org.snapshare.device.BlockDevice;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.PlainVolume;

/** An opened volume: its recorded identity and the logical unit that serves it. */
public final class Volume implements Closeable {

    public final String name;
    public final long sizeBytes;
    public final long uniqueId;
    public final Instant created;
    private final BlockDevice origin;
    private final LogicalUnit unit;

    Volume(String name, long uniqueId, Instant created, BlockDevice origin) throws IOException {
        this.name = name;
        this.uniqueId = uniqueId;
        this.created = created;
        this.origin = origin;
        this.unit = new PlainVolume(origin, uniqueId);
        this.sizeBytes = unit.sizeBytes();
    }

    public LogicalUnit unit() {
        return unit;
    }

    /** Flushes and closes the origin device. */
    @Override
    public void close() throws IOException {
        try {
            origin.flush();
        } finally {
            origin.close();
        }
    }
}
