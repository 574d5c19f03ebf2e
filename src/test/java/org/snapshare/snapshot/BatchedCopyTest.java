package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.snapshare.snapshot.SnapshotCoreModelTest.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.CheckReport;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;
import org.snapshare.store.StoreFullPolicy;
import org.snapshare.testing.Filled;

/**
 * The copies of one origin write are made in batches: one origin read, store
 * chunks side by side in the order of the origin's, one write per run of
 * neighbours. What a snapshot reads must not depend on any of that.
 */
class BatchedCopyTest {

    private static final int CHUNK = SmallVolume.CHUNK;

    @TempDir
    Path dir;

    private static CheckReport check(FaultInjectingDevice storeDevice) throws IOException {
        return StoreChecker.check(SharedExceptionStore.open(storeDevice, 1 << 20), chunk -> { });
    }

    @Test
    void theCopiesOfOneWriteLieSideBySideInTheOrderOfTheOrigin() throws Exception {
        SmallVolume volume = new SmallVolume().formatted();
        try (SnapshotCore core = volume.open(dir.resolve("journal"))) {
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x11, SmallVolume.CHUNKS * CHUNK)));
            core.createSnapshot("a");
            core.origin().write(8L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x22, 32 * CHUNK)));

            ExceptionStore store = core.store();
            long first = store.entries(8).get(0).storeChunk();
            for (int i = 0; i < 32; i++) {
                List<ExceptionEntry> entries = store.entries(8 + i);
                assertEquals(1, entries.size(), "one copy of chunk " + (8 + i));
                assertEquals(first + i, entries.get(0).storeChunk(), "chunk " + (8 + i) + " lies next to the one before");
            }
            assertArrayEquals(Filled.bytes(0x11, SmallVolume.CHUNKS * CHUNK),
                    read(core.servedSnapshots().get("a"), 0, SmallVolume.CHUNKS * CHUNK));
        }
        assertTrue(check(volume.storeDevice).clean());
    }

    @Test
    void aChunkThatNeedsTwoCopiesAndAShortLastChunkAreCopiedWhole() throws Exception {
        int originBytes = 10 * CHUNK + 1024; // the last chunk holds two sectors
        FaultInjectingDevice origin = new FaultInjectingDevice(originBytes);
        FaultInjectingDevice storeDevice = new FaultInjectingDevice(2 << 20);
        SharedExceptionStore.format(storeDevice, CHUNK, originBytes);
        try (SnapshotCore core = new SnapshotCore("vol", 1, origin, SharedExceptionStore.open(storeDevice, 1 << 20),
                dir.resolve("journal"))) {
            byte[] old = new byte[originBytes];
            new java.util.Random(7).nextBytes(old);
            core.origin().write(0, ByteBuffer.wrap(old));
            core.createSnapshot("a");
            core.createSnapshot("b");
            core.createSnapshot("c");
            LogicalUnit b = core.servedSnapshots().get("b");
            b.write(5L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x55, CHUNK))); // b's own chunk 5: a and c need two copies

            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x66, originBytes)));

            assertEquals(3, core.store().entries(5).size(), "chunk 5: a's copy, b's own, c's copy");
            assertArrayEquals(old, read(core.servedSnapshots().get("a"), 0, originBytes));
            assertArrayEquals(old, read(core.servedSnapshots().get("c"), 0, originBytes));
            byte[] expectedB = old.clone();
            Arrays.fill(expectedB, 5 * CHUNK, 6 * CHUNK, (byte) 0x55);
            assertArrayEquals(expectedB, read(b, 0, originBytes));
            assertArrayEquals(Filled.bytes(0x66, originBytes), read(core.origin(), 0, originBytes));
        }
        assertTrue(check(storeDevice).clean());
    }

    @Test
    void aBatchTheFullStoreCannotHoldFailsWholeAndLeaksNothing() throws Exception {
        SmallVolume volume = new SmallVolume();
        FaultInjectingDevice storeDevice = new FaultInjectingDevice(48 * CHUNK); // room for fewer copies than 64
        SharedExceptionStore.format(storeDevice, CHUNK, (long) SmallVolume.CHUNKS * CHUNK);
        byte[] old = Filled.bytes(0x11, SmallVolume.CHUNKS * CHUNK);
        try (SnapshotCore core = new SnapshotCore("vol", 1, volume.origin,
                SharedExceptionStore.open(storeDevice, 1 << 20, StoreFullPolicy.FAIL_WRITES), dir.resolve("journal"))) {
            core.origin().write(0, ByteBuffer.wrap(old));
            core.createSnapshot("a");
            long free = core.store().freeChunks();

            assertThrows(IOException.class, () -> core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x22, old.length))));

            assertEquals(free, core.store().freeChunks(), "the chunks the batch took are given back");
            assertArrayEquals(old, read(core.origin(), 0, old.length), "the origin is unchanged");
            assertArrayEquals(old, read(core.servedSnapshots().get("a"), 0, old.length));
        }
        CheckReport report = check(storeDevice);
        assertTrue(report.clean(), () -> "no chunk leaked: " + report.problems());
    }
}
