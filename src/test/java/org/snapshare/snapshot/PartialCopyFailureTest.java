package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.ExceptionStore;

/**
 * A copy-on-write batch whose entries are added one by one and fail part-way (a tree node the full store
 * cannot allocate): the entries added before the failure name copies that are on disk, and a later write
 * to their chunks finds nothing to copy and goes to the origin. Those entries must be durable before that:
 * else a power cut keeps the origin's new data and loses the snapshot's only copy of the old.
 */
class PartialCopyFailureTest {

    private static final int CHUNK = SmallVolume.CHUNK;

    @TempDir
    Path dir;

    @Test
    void entriesAddedBeforeAFailureAreCommittedBeforeTheWriteFails() throws Exception {
        SmallVolume volume = new SmallVolume().formatted();
        AtomicBoolean failing = new AtomicBoolean();
        AtomicInteger adds = new AtomicInteger();
        ExceptionStore real = volume.store();
        ExceptionStore store = (ExceptionStore) Proxy.newProxyInstance(ExceptionStore.class.getClassLoader(),
                new Class<?>[] {ExceptionStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("addCopy") && failing.get() && adds.incrementAndGet() == 2) {
                        throw new IOException("injected: no room for a tree node");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        byte[] before = pattern(1, 2 * CHUNK);
        try (SnapshotCore core = new SnapshotCore("vol", 1, volume.origin, store, dir.resolve("journal"))) {
            core.origin().write(0, ByteBuffer.wrap(before));
            core.origin().flush();
            core.createSnapshot("s");
            Thread.sleep(200); // past the confirming commit a one-flush commit may get: no commit from here on

            failing.set(true);
            IOException error = assertThrows(IOException.class,
                    () -> core.origin().write(0, ByteBuffer.wrap(pattern(2, 2 * CHUNK)))); // copies chunks 0 and 1
            assertTrue(error.getMessage().contains("injected"), error.getMessage());
            core.origin().write(0, ByteBuffer.wrap(pattern(3, CHUNK))); // chunk 0 has its copy: straight through

            // A power cut that keeps every origin write and only the store's flushed ones.
            FaultInjectingDevice origin = new FaultInjectingDevice(SmallVolume.CHUNKS * CHUNK);
            origin.write(0, ByteBuffer.wrap(volume.origin.contents()));
            origin.flush();
            try (SnapshotCore mounted = new SnapshotCore("vol", 1, origin,
                    org.snapshare.store.SharedExceptionStore.open(volume.storeDevice.powerCutDroppingAll(), 1 << 20),
                    dir.resolve("journal2"))) {
                ByteBuffer chunk0 = ByteBuffer.allocate(CHUNK);
                mounted.servedSnapshots().get("s").read(0, chunk0);
                assertArrayEquals(Arrays.copyOf(before, CHUNK), chunk0.array(),
                        "the snapshot's old data of chunk 0 survives the cut");
            }
        }
    }

    private static byte[] pattern(long seed, int length) {
        byte[] bytes = new byte[length];
        new java.util.Random(seed).nextBytes(bytes);
        return bytes;
    }
}
