package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/**
 * The range counters on disk: a commit rewrites only the blocks up to the last changed one, what it keeps
 * and what it rewrites read back as the counts, and a chain in an older build's order still loads and is
 * rewritten whole at its first change. 4 KiB chunks: 126 ranges to a block, so a few hundred ranges make a
 * chain of several blocks.
 */
class RangeCountsTest {

    private static final int CHUNK = 4096;
    private static final long ORIGIN_CHUNKS = 64;
    private static final int SNAPSHOTS = 700;

    private final FaultInjectingDevice device = new FaultInjectingDevice(64 << 20);
    /** What the counters must say: copied chunks per range, from the entries the test added. */
    private final Map<IdRange, Long> model = new HashMap<>();
    private final List<ExceptionEntry> entries = new ArrayList<>();

    @Test
    void aCommitChangingTheNewestRangeRewritesOnlyTheFirstBlock() throws IOException {
        SharedExceptionStore store = storeWithOneRangePerSnapshot();
        List<BlockRef> before = store.state().counts().blocks();
        assertTrue(before.size() >= 5, "the chain has " + before.size() + " blocks");

        add(store, new ExceptionEntry(ORIGIN_CHUNKS - 1, SNAPSHOTS, SNAPSHOTS, store.allocateChunk()));
        store.commit();

        List<BlockRef> after = store.state().counts().blocks();
        assertNotEquals(before.get(0), after.get(0), "the first block changed: rewritten to a fresh chunk");
        assertEquals(before.subList(1, before.size()), after.subList(after.size() - (before.size() - 1),
                after.size()), "every other block is kept where it was");
        assertEquals(before.size(), after.size(), "one more range fits the first block");
        store.close();
        assertCountsOnDiskMatch();
    }

    @Test
    void randomChangesAnywhereReadBackExactlyAndCheckClean() throws IOException {
        SharedExceptionStore store = storeWithOneRangePerSnapshot();
        Random random = new Random(29);
        for (int commit = 0; commit < 60; commit++) {
            for (int change = random.nextInt(12); change >= 0; change--) {
                if (random.nextInt(3) == 0 && !entries.isEmpty()) {
                    ExceptionEntry victim = entries.remove(random.nextInt(entries.size()));
                    store.removeEntry(victim.originChunk(), victim.fromId());
                    store.freeChunk(victim.storeChunk());
                    model.merge(new IdRange(victim.fromId(), victim.toId()), -1L, Long::sum);
                    model.values().removeIf(count -> count == 0);
                } else {
                    long id = 1 + random.nextInt(SNAPSHOTS);
                    long chunk = random.nextInt((int) ORIGIN_CHUNKS);
                    if (store.find(chunk, id).isEmpty()) {
                        add(store, new ExceptionEntry(chunk, id, id, store.allocateChunk()));
                    }
                }
            }
            store.commit();
            assertEquals(model, store.copiedChunksByRange().orElseThrow(), "after commit " + commit);
            if (commit % 10 == 9) {
                store.close();
                assertCountsOnDiskMatch();
                store = SharedExceptionStore.open(device, 1 << 20);
            }
        }
        store.close();
        assertCountsOnDiskMatch();
    }

    @Test
    void aChainInAnOlderBuildsOrderLoadsAndIsRewrittenWholeAtItsFirstChange() throws IOException {
        SharedExceptionStore store = storeWithOneRangePerSnapshot();
        rewriteCountersOldestFirst(store);
        store.close();

        store = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(model, store.copiedChunksByRange().orElseThrow(), "an oldest-first chain reads back");
        List<BlockRef> before = store.state().counts().blocks();
        add(store, new ExceptionEntry(0, SNAPSHOTS, SNAPSHOTS, store.allocateChunk()));
        store.commit();
        List<BlockRef> after = store.state().counts().blocks();
        assertTrue(after.stream().noneMatch(before::contains), "every block rewritten: " + before + " " + after);
        store.close();
        assertCountsOnDiskMatch();
    }

    /** A store with a snapshot per id and an entry of its own range for each: one counter per snapshot. */
    private SharedExceptionStore storeWithOneRangePerSnapshot() throws IOException {
        SharedExceptionStore.format(device, CHUNK, ORIGIN_CHUNKS * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        for (int i = 1; i <= SNAPSHOTS; i++) {
            store.createSnapshot("s" + i);
        }
        for (int id = 1; id < SNAPSHOTS; id++) {
            add(store, new ExceptionEntry(id % ORIGIN_CHUNKS, id, id, store.allocateChunk()));
        }
        store.commit();
        return store;
    }

    private void add(SharedExceptionStore store, ExceptionEntry entry) throws IOException {
        store.addEntry(entry);
        entries.add(entry);
        model.merge(new IdRange(entry.fromId(), entry.toId()), 1L, Long::sum);
    }

    /** Mounts the device afresh: the counters read from disk say what the model says, and check is clean. */
    private void assertCountsOnDiskMatch() throws IOException {
        try (SharedExceptionStore reopened = SharedExceptionStore.open(device, 1 << 20)) {
            assertEquals(model, reopened.copiedChunksByRange().orElseThrow(), "the counters read from disk");
            CheckReport report = StoreChecker.check(reopened, done -> { });
            assertTrue(report.clean(), report.problems().toString());
        }
    }

    /** What a build before the newest-first order left: the same records, oldest range first, in a new chain. */
    private static void rewriteCountersOldestFirst(SharedExceptionStore store) throws IOException {
        store.atomically(() -> {
            StoreState state = store.state();
            for (BlockRef old : state.counts().blocks()) {
                state.space().freeBlock(old);
            }
            BlockChain oldestFirst = new BlockChain(store.metadataIo(), store.superblock().layout(),
                    BlockKind.RANGE_COUNTS);
            oldestFirst.changed();
            List<byte[]> records = state.counts().counts().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey(Comparator.comparingLong(IdRange::from)
                            .thenComparingLong(IdRange::to)))
                    .map(count -> ByteBuffer.allocate(24).putLong(count.getKey().from()).putLong(count.getKey().to())
                            .putLong(count.getValue()).array())
                    .toList();
            BlockRef head = oldestFirst.writeChanges(state.space(), () -> records);
            state.replaceTree(state.tree(), RangeCounts.load(store.metadataIo(), store.superblock().layout(), head,
                    state.chunkCount()));
            return null;
        });
        store.commit();
    }
}
