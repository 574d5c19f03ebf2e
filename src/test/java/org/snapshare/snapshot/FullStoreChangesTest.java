package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.snapshare.snapshot.SnapshotCoreModelTest.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.BlockDevice;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.device.ForwardingDevice;
import org.snapshare.store.CheckReport;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.SnapshotState;
import org.snapshare.store.StoreChecker;
import org.snapshare.store.StoreFullException;
import org.snapshare.store.StoreFullPolicy;
import org.snapshare.testing.Filled;

/**
 * Changes a full store has no room for (docs/STORE.md, "Store full"): each
 * is refused whole, as the store-full policy says, the store stays usable
 * and nothing leaks.
 */
class FullStoreChangesTest {

    private static final int CHUNK = 4096;
    private static final int ORIGIN_CHUNKS = 24_576;
    private static final int WRITERS = 48;

    @TempDir
    Path dir;

    /**
     * A store that fills while many origin writes copy at once, into a tree
     * of one-page nodes far larger than one commit touches: each copy's entry
     * lands in a leaf of its own, and the copies that took their chunks just
     * before the store filled still add their entries after it. Those entries
     * must never take the room the commit needs (before the tree kept it, a
     * run of this left node chunks leaked by inserts cut short).
     */
    @ParameterizedTest
    @EnumSource(StoreFullPolicy.class)
    void copiesInFlightWhenTheStoreFillsNeverBreakItsCommit(StoreFullPolicy policy) throws Exception {
        FaultInjectingDevice origin = new FaultInjectingDevice(ORIGIN_CHUNKS * CHUNK);
        FaultInjectingDevice storeDevice = new FaultInjectingDevice((ORIGIN_CHUNKS + 1200) * CHUNK);
        SharedExceptionStore.format(storeDevice, CHUNK, (long) ORIGIN_CHUNKS * CHUNK);
        byte[] before = Filled.bytes(0x11, ORIGIN_CHUNKS * CHUNK);
        Map<Integer, String> refused = new ConcurrentHashMap<>();
        AtomicInteger landed = new AtomicInteger();
        try (SnapshotCore core = new SnapshotCore("vol", 1, origin, SharedExceptionStore.open(
                new SlowCopies(storeDevice), 1 << 20, policy), dir.resolve("journal"))) {
            core.origin().write(0, ByteBuffer.wrap(before));
            core.createSnapshot("a");
            // every chunk copied for a: a tree of ~24,000 entries
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x33, before.length)));
            core.origin().flush();
            core.createSnapshot("b");
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> done = new ArrayList<>();
            AtomicInteger next = new AtomicInteger();
            for (int w = 0; w < WRITERS; w++) {
                done.add(writers.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < ORIGIN_CHUNKS / 8; ) {
                        int chunk = (int) ((i * 7919L) % ORIGIN_CHUNKS); // scattered over the whole tree
                        try {
                            core.origin().write((long) chunk * CHUNK, ByteBuffer.wrap(Filled.bytes(0x22, 512)));
                            landed.incrementAndGet();
                        } catch (StoreFullException full) {
                            refused.put(chunk, full.getMessage());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> writer : done) {
                writer.get(); // any other failure (a failed commit) fails the test here
            }
            writers.shutdown();
            core.origin().flush(); // commits: after a failed commit it would refuse, as everything would until restart
            assertArrayEquals(before, read(core.servedSnapshots().get("a"), 0, before.length), "a kept its copies");
            SnapshotState b = core.store().snapshot("b").orElseThrow().state();
            if (policy == StoreFullPolicy.FAIL_WRITES) {
                assertFalse(refused.isEmpty(), "the store filled: some writes were refused");
                assertEquals(SnapshotState.LIVE, b);
                core.deleteSnapshot("b"); // background delete reclaims b's copies in the full store
                awaitBackgroundDelete(core);
                for (int chunk : refused.keySet()) { // no snapshot needs a copy now: the refused writes land
                    core.origin().write((long) chunk * CHUNK, ByteBuffer.wrap(Filled.bytes(0x22, 512)));
                }
                core.origin().flush();
            } else {
                assertTrue(refused.isEmpty(), "no write fails under invalidate-snapshots: " + refused.values());
                assertEquals(SnapshotState.INVALID, b);
            }
            assertTrue(landed.get() > 0, "some copies were made before the store filled");
        }
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(storeDevice, 1 << 20), chunk -> { });
        assertTrue(report.clean(), () -> "nothing leaked, nothing broken: " + report.problems());
    }

    /**
     * A snapshot's units promise LBPRZ: an UNMAP (or a WRITE SAME of zeros)
     * that succeeds leaves zeros. When the snapshot taken of it still needs
     * the data and the store has no chunk left to keep it in, the unmap is
     * refused as a full store refuses a write, and both still read the data
     * (it used to succeed and leave the data in place).
     */
    @Test
    void anUnmapTheFullStoreCannotKeepTheDataForIsRefusedAndChangesNothing() throws Exception {
        int originChunks = 256;
        FaultInjectingDevice origin = new FaultInjectingDevice(originChunks * CHUNK);
        FaultInjectingDevice storeDevice = new FaultInjectingDevice(300 * CHUNK);
        SharedExceptionStore.format(storeDevice, CHUNK, (long) originChunks * CHUNK);
        byte[] old = Filled.bytes(0x11, CHUNK);
        try (SnapshotCore core = new SnapshotCore("vol", 1, origin, SharedExceptionStore.open(storeDevice, 1 << 20,
                StoreFullPolicy.FAIL_WRITES), dir.resolve("journal"))) {
            for (int chunk = 0; chunk < originChunks; chunk++) {
                core.origin().write((long) chunk * CHUNK, ByteBuffer.wrap(old));
            }
            core.createSnapshot("a");
            core.createSnapshotOf("b", "a"); // b reads what a holds
            assertThrows(StoreFullException.class, () -> {
                for (int chunk = 0; chunk < originChunks; chunk++) { // copies for a until the store is full
                    core.origin().write((long) chunk * CHUNK, ByteBuffer.wrap(Filled.bytes(0x22, CHUNK)));
                }
            });
            LogicalUnit a = core.servedSnapshots().get("a");
            assertThrows(StoreFullException.class, () -> a.unmap(0, CHUNK), "b would need a copy of a's chunk 0");
            assertThrows(StoreFullException.class, () -> a.writeZeros(0, CHUNK));
            assertArrayEquals(old, read(a, 0, CHUNK), "a still reads its data: nothing was unmapped");
            assertArrayEquals(old, read(core.servedSnapshots().get("b"), 0, CHUNK));
            core.origin().flush();
        }
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(storeDevice, 1 << 20), chunk -> { });
        assertTrue(report.clean(), () -> report.problems().toString());
    }

    /**
     * Background delete in a store that filled, where one step's removals
     * shadow more leaves than the room kept for removals holds: nodes are not
     * merged, so once older snapshots' entries went, the 256 entries of a
     * step lie in leaves of a few entries each, and a live snapshot's entry in
     * each leaf keeps it from being dropped (which would give its chunks back
     * at once). The step must commit (giving back what its removals freed)
     * and go on, not stop the walk.
     */
    @Test
    void aDeleteWhoseRemovalsOutgrowTheRoomKeptForThemCommitsAndGoesOn() throws Exception {
        int copiedChunks = 256;
        int originChunks = 8192;
        List<String> older = new ArrayList<>();
        for (int s = 0; s < 16; s++) {
            older.add("s" + s);
        }
        FaultInjectingDevice origin = new FaultInjectingDevice(originChunks * CHUNK);
        FaultInjectingDevice storeDevice = new FaultInjectingDevice(5600 * CHUNK);
        SharedExceptionStore.format(storeDevice, CHUNK, (long) originChunks * CHUNK);
        try (SnapshotCore core = new SnapshotCore("vol", 1, origin, SharedExceptionStore.open(storeDevice, 1 << 20,
                StoreFullPolicy.FAIL_WRITES), dir.resolve("journal"))) {
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x11, originChunks * CHUNK)));
            List<String> all = new ArrayList<>(older);
            all.addAll(List.of("kept", "b"));
            byte[] current = Filled.bytes(0x11, copiedChunks * CHUNK);
            byte[] kept = null;
            for (String name : all) { // each snapshot gets a copy of chunks 0..255: 18 entries per chunk
                core.createSnapshot(name);
                kept = name.equals("kept") ? current : kept;
                current = Filled.bytes(0x20 + all.indexOf(name), copiedChunks * CHUNK);
                core.origin().write(0, ByteBuffer.wrap(current));
            }
            for (String name : older) {
                core.deleteSnapshot(name);
            }
            awaitBackgroundDelete(core); // leaves now hold an entry of kept and one of b per chunk
            core.createSnapshot("c");
            assertThrows(StoreFullException.class, () -> { // copies for c, past b's chunks, until the store is full
                for (int chunk = copiedChunks; chunk < originChunks; chunk++) {
                    core.origin().write((long) chunk * CHUNK, ByteBuffer.wrap(Filled.bytes(0x33, CHUNK)));
                }
            });
            long freeWhenFull = core.store().freeChunks();
            core.deleteSnapshot("b");
            awaitBackgroundDelete(core);
            assertTrue(core.store().freeChunks() >= freeWhenFull + copiedChunks,
                    "b's copies were freed: " + freeWhenFull + " free before, " + core.store().freeChunks() + " after");
            assertArrayEquals(kept, read(core.servedSnapshots().get("kept"), 0, kept.length), "kept lost nothing");
        }
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(storeDevice, 1 << 20), chunk -> { });
        assertTrue(report.clean(), () -> report.problems().toString());
    }

    /** Until the volume's background work is done (30 s at most); fails at once if background delete failed. */
    private static void awaitBackgroundDelete(SnapshotCore core) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!core.backgroundWork().isEmpty() && core.reclaimFailure().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "background work still running: " + core.backgroundWork());
            Thread.sleep(5);
        }
        assertEquals(Optional.empty(), core.reclaimFailure(), "background delete failed");
    }

    /** The store's device, with each copy's write taking a moment, so that many copies are under way at once. */
    private static final class SlowCopies extends ForwardingDevice {

        SlowCopies(BlockDevice device) {
            super(device);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            if (offset >= size() / 2) { // copies are placed from the top of the store, metadata from the bottom
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.write(offset, src);
        }
    }
}
