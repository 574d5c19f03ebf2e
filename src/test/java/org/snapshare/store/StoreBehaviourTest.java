package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.testing.CachedPages;
import org.snapshare.testing.Filled;

class StoreBehaviourTest {

    private static final int CHUNK = 4096;

    private static SharedExceptionStore fresh(int deviceBytes, long originChunks) throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(deviceBytes);
        SharedExceptionStore.format(device, CHUNK, originChunks * CHUNK);
        return SharedExceptionStore.open(device, 1 << 20);
    }

    @Test
    void logLinesNameAFewSnapshotsAndCountTheRest() {
        assertEquals("[a, b]", SnapshotTable.fewOf(List.of("a", "b")));
        List<String> many = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "s" + i).toList();
        String line = SnapshotTable.fewOf(many);
        assertTrue(line.startsWith("[s0, s1,") && line.endsWith(", s19, ... and 980 more]"), line);
    }

    @Test
    void aChunkFreedInATransactionIsNotReusedBeforeItCommits() throws Exception {
        SharedExceptionStore store = fresh(1 << 20, 16);
        long kept = store.allocateChunk();
        store.commit();
        store.freeChunk(kept);
        Set<Long> handedOut = new HashSet<>();
        StoreFullException full = assertThrows(StoreFullException.class, () -> {
            while (true) {
                handedOut.add(store.allocateChunk());
            }
        });
        assertTrue(full.getMessage().contains("delete snapshots or grow the store"), full.getMessage());
        assertFalse(handedOut.contains(kept), "chunk " + kept + " was reused before its free was committed");
        for (long chunk : handedOut) {
            store.freeChunk(chunk); // fresh chunks come back at once
        }
        store.commit();
        assertEquals(kept, firstAllocationAfterWrap(store, kept));
    }

    private static long firstAllocationAfterWrap(SharedExceptionStore store, long wanted) throws Exception {
        for (int i = 0; i < store.chunkCount(); i++) {
            long chunk = store.allocateChunk();
            if (chunk == wanted) {
                return chunk;
            }
        }
        return -1;
    }

    @Test
    void aFullStoreInvalidatesTheSnapshotsThatNeedACopyOrFailsTheWrite() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16 * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long a = store.createSnapshot("a").id();
        long b = store.createSnapshot("b").id();
        long c = store.createSnapshot("c").id();
        fill(store);
        assertTrue(store.allocateCopy(new IdRange(a, b)).isEmpty(), "no copy: its snapshots are invalid now");
        assertEquals(List.of(SnapshotState.INVALID, SnapshotState.INVALID, SnapshotState.LIVE),
                store.snapshots().stream().map(SnapshotInfo::state).toList());
        assertEquals(List.of(new IdRange(c, c)), store.rangesLackingCopy(0), "invalid snapshots need no copies");
        store.commit();

        assertTrue(StoreChecker.check(store, n -> { }).problems().stream().allMatch(p -> p.contains("leaked")),
                "a full store still commits; only the test's unreferenced chunks are reported");

        SharedExceptionStore strict = SharedExceptionStore.open(device, 1 << 20, StoreFullPolicy.FAIL_WRITES);
        fill(strict);
        assertThrows(StoreFullException.class, () -> strict.allocateCopy(new IdRange(c, c)));
        assertEquals(SnapshotState.LIVE, strict.snapshot("c").orElseThrow().state());
    }

    /** Takes data chunks until the store refuses; the metadata reserve stays free. */
    private static void fill(SharedExceptionStore store) throws Exception {
        try {
            while (true) {
                store.allocateChunk();
            }
        } catch (StoreFullException full) {
            assertTrue(store.freeChunks() > 0, "the metadata reserve is kept");
        }
    }

    @Test
    void concurrentCommittersShareFlushes() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(8 << 20);
        SharedExceptionStore.format(device, CHUNK, 4096L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long id = store.createSnapshot("s").id();
        store.commit();
        int threads = 8;
        int perThread = 25;
        device.flushDelayMillis(2); // a disk's cache flush takes time; that is when commits group
        long flushesBefore = device.flushCount();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    store.addEntry(new ExceptionEntry(base + i, id, id, store.allocateChunk()));
                    store.commit(); // durable on return, as an acknowledged write needs
                }
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> future : done) {
            future.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        pool.shutdown();
        long flushes = device.flushCount() - flushesBefore;
        int commits = threads * perThread;
        assertTrue(flushes < commits, flushes + " flushes for " + commits + " commit calls: too little grouping");
        SharedExceptionStore reopened = SharedExceptionStore.open(device.powerCutDroppingAll(), 1 << 20);
        assertEquals(commits, StoreModelTest.scanAll(reopened).size(), "every committed entry is durable");
        System.out.printf("group commit: %d commit calls, %d flushes%n", commits, flushes);
    }

    @Test
    void copiesGoThroughTheCacheAndLeaveItOnceTheirCommitMadeThemDurable(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("store.img");
        int chunk = 64 << 10;
        try (FileBlockDevice device = FileBlockDevice.createSparse(file, 16L << 20)) {
            assumeTrue(CachedPages.supported(file), "cachestat(2) needs Linux 6.5 or later");
            SharedExceptionStore.format(device, chunk, 8L << 20);
            SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
            long first = store.allocateChunk();
            long second = store.allocateChunk(); // handed out top-down: the one below
            assertEquals(first - 1, second);
            ByteBuffer copies = ByteBuffer.allocateDirect(2 * chunk);
            copies.put(Filled.bytes(0x5a, 2 * chunk)).flip();
            long[] checksums = {DataChecksum.of(copies.slice(0, chunk)), DataChecksum.of(copies.slice(chunk, chunk))};

            store.writeCopies(second, copies, checksums);
            assertEquals(2L * chunk / 4096, CachedPages.of(file, second * chunk, 2L * chunk).cached(),
                    "the copies are written to the page cache: no disk wait on the write's path");
            store.commit();

            CachedPages after = CachedPages.of(file, second * chunk, 2L * chunk);
            assertEquals(0, after.dirty(), "the commit's flush wrote them");
            assertEquals(0, after.cached(), "durable, they left the cache: the next copies reuse its pages");
            ByteBuffer back = ByteBuffer.allocate(chunk);
            store.readChunk(first, 0, back);
            assertEquals(checksums[1], DataChecksum.of(back), "the second copy is in the chunk above");
        }
    }

    @Test
    void snapshotIdsIncreaseAndAreNeverReused() throws Exception {
        SharedExceptionStore store = fresh(1 << 20, 16);
        long a = store.createSnapshot("a").id();
        long b = store.createSnapshot("b").id();
        assertTrue(b > a);
        store.forgetSnapshot(b);
        store.commit();
        FaultInjectingDevice device = reopenDevice(store);
        SharedExceptionStore reopened = SharedExceptionStore.open(device, 1 << 20);
        long c = reopened.createSnapshot("c").id();
        assertTrue(c > b, "id " + c + " after forgetting " + b);
        assertThrows(StoreException.class, () -> reopened.createSnapshot("a"));
        assertEquals(List.of("a", "c"), reopened.snapshots().stream().map(SnapshotInfo::name).toList());
    }

    private static FaultInjectingDevice reopenDevice(SharedExceptionStore store) throws Exception {
        java.lang.reflect.Field field = SharedExceptionStore.class.getDeclaredField("device");
        field.setAccessible(true);
        return (FaultInjectingDevice) field.get(store);
    }

    @Test
    void aTornNewestCommitFallsBackToThePreviousOne() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16 * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        store.createSnapshot("one");
        store.commit();
        store.createSnapshot("two");
        store.commit();
        long newest = store.state().sequence();
        // Tear the newest commit block, both copies: flip one byte in each.
        MetadataDamage.flipAt(device, StoreLayout.slotOffset(newest) + 100);
        assertEquals(newest, SharedExceptionStore.open(device, 1 << 20).state().sequence(), "one good copy is enough");
        MetadataDamage.flipAt(device, StoreLayout.mirrorSlotOffset(newest) + 100);
        SharedExceptionStore mounted = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(newest - 1, mounted.state().sequence());
        assertEquals(List.of("one"), mounted.snapshots().stream().map(SnapshotInfo::name).toList());
        assertTrue(StoreChecker.check(mounted, n -> { }).clean());
    }

    @Test
    void damagedHeadersGiveClearErrors() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        assertTrue(assertThrows(StoreCorruptException.class, () -> SharedExceptionStore.open(device, 1 << 20))
                .getMessage().contains("not a snapshare exception store"));
        SharedExceptionStore.format(device, CHUNK, 16 * CHUNK);
        device.write(40, ByteBuffer.wrap(new byte[] {9}));
        SharedExceptionStore.open(device, 1 << 20); // heals the superblock from its copy
        device.write(40, ByteBuffer.wrap(new byte[] {9}));
        device.write(StoreLayout.SUPERBLOCK_COPY_OFFSET + 40, ByteBuffer.wrap(new byte[] {9}));
        assertTrue(assertThrows(StoreCorruptException.class, () -> SharedExceptionStore.open(device, 1 << 20))
                .getMessage().contains("superblock checksum mismatch"));
        assertThrows(StoreException.class, () -> SharedExceptionStore.format(new FaultInjectingDevice(1 << 20),
                3000, 1));
    }

    @Test
    void checkReportsLeaksOverlapsAndBadNodes() throws Exception {
        SharedExceptionStore store = fresh(1 << 20, 16);
        long id = store.createSnapshot("s").id();
        store.createSnapshot("t");
        store.allocateChunk(); // allocated, never referenced
        long data = store.allocateChunk();
        store.addEntry(new ExceptionEntry(3, id, id + 1, data));
        // Bypass the API's own checks to plant an overlapping range.
        store.state().tree().insert(new ExceptionEntry(3, id + 1, id + 1, store.allocateChunk()));
        store.commit();
        CheckReport report = StoreChecker.check(store, n -> { });
        String problems = String.join("\n", report.problems());
        assertTrue(problems.contains("leaked"), problems);
        assertTrue(problems.contains("overlaps"), problems);

        SharedExceptionStore clean = fresh(1 << 20, 16);
        long s = clean.createSnapshot("s").id();
        clean.addEntry(new ExceptionEntry(1, s, s, clean.allocateChunk()));
        clean.commit();
        clean.confirm(); // a bad block later, not a crash inside the commit (which mount would roll back)
        assertTrue(StoreChecker.check(clean, n -> { }).clean());
        // Corrupt the only tree node on disk.
        FaultInjectingDevice device = reopenDevice(clean);
        MetadataDamage.flipEveryCopy(device, CHUNK, clean.state().tree().root, 200);
        SharedExceptionStore remounted = SharedExceptionStore.open(device, 1 << 20);
        CheckReport damaged = StoreChecker.check(remounted, n -> { });
        assertTrue(damaged.problems().stream().anyMatch(p -> p.contains("checksum mismatch")), damaged.toString());
    }

    @Test
    void deepTreesSplitAndShrinkCorrectly() throws Exception {
        int entries = 24_000; // leaves hold 127 entries and internal nodes 169 at 4 KiB: three levels
        FaultInjectingDevice device = new FaultInjectingDevice(160 << 20);
        SharedExceptionStore.format(device, CHUNK, (long) entries * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 256L * CHUNK);
        long id = store.createSnapshot("s").id();
        Random random = new Random(7);
        int[] order = random.ints(0, entries).distinct().limit(entries).toArray();
        for (int chunk : order) {
            store.addEntry(new ExceptionEntry(chunk, id, id, store.allocateChunk()));
        }
        store.commit();
        assertEquals(3, store.state().tree().height);
        for (int chunk = 0; chunk < entries; chunk += 2) {
            ExceptionEntry entry = store.find(chunk, id).orElseThrow();
            store.removeEntry(chunk, id);
            store.freeChunk(entry.storeChunk());
        }
        store.commit();
        SharedExceptionStore reopened = SharedExceptionStore.open(device, 256L * CHUNK);
        for (int chunk = 0; chunk < entries; chunk++) {
            assertEquals(chunk % 2 == 1, reopened.find(chunk, id).isPresent(), "chunk " + chunk);
        }
        assertEquals(entries / 2, StoreModelTest.scanAll(reopened).size());
        CheckReport report = StoreChecker.check(reopened, n -> { });
        assertTrue(report.clean(), report.problems().toString());
        assertNotEquals(0, report.nodes());
    }
}
