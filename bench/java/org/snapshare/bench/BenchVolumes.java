package org.snapshare.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.store.SharedExceptionStore;

/** What the in-process snapshot benchmarks do alike: a store on a sparse file, a whole-volume overwrite. */
final class BenchVolumes {

    private BenchVolumes() {
    }

    /** A store of {@code storeBytes} on a sparse file, formatted for a volume of {@code volumeBytes}, opened. */
    static SharedExceptionStore formatted(Path storeFile, long storeBytes, int chunkSize, long volumeBytes)
            throws IOException {
        FileBlockDevice store = FileBlockDevice.createSparse(storeFile, storeBytes);
        SharedExceptionStore.format(store, chunkSize, volumeBytes);
        return SharedExceptionStore.open(store, SharedExceptionStore.DEFAULT_CACHE_BYTES);
    }

    /** Writes the whole unit, {@code volumeBytes}, in writes of the buffer's size, then flushes. */
    static void overwrite(LogicalUnit unit, ByteBuffer buffer, long volumeBytes) throws IOException {
        for (long offset = 0; offset < volumeBytes; offset += buffer.capacity()) {
            buffer.clear();
            buffer.putLong(0, offset ^ System.nanoTime()); // not zeros, not the same twice
            unit.write(offset, buffer);
        }
        unit.flush();
    }
}
