package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.file.Path;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.SharedExceptionStore;

/** A volume of 64 chunks of 4 KiB on fault-injecting devices, for tests of the snapshot core. */
final class SmallVolume {

    static final int CHUNK = 4096;
    static final int CHUNKS = 64;

    final FaultInjectingDevice storeDevice = new FaultInjectingDevice(2 << 20);
    final FaultInjectingDevice origin = new FaultInjectingDevice(CHUNKS * CHUNK);

    /** Formats the store for the origin, in the current format. */
    SmallVolume formatted() throws IOException {
        SharedExceptionStore.format(storeDevice, CHUNK, (long) CHUNKS * CHUNK);
        return this;
    }

    /** The store alone, mounted afresh (for check). */
    SharedExceptionStore store() throws IOException {
        return SharedExceptionStore.open(storeDevice, 1 << 20);
    }

    /** The volume served by a snapshot core whose rollback journal is {@code journal}. */
    SnapshotCore open(Path journal) throws IOException {
        return new SnapshotCore("vol", 1, origin, store(), journal);
    }
}
