package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/** Thousands of random operations against {@link StoreModel}; the seed is printed on failure. */
class StoreModelTest {

    static final int CHUNK = 4096;
    static final long ORIGIN_CHUNKS = 400;

    @Test
    void randomOperationsMatchTheModel() throws Exception {
        for (long seed = 1; seed <= 6; seed++) {
            long mixed = new SplittableRandom(seed).nextLong();
            try {
                run(mixed, 4000);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("store model test failed with seed " + mixed + ": " + e, e);
            }
        }
    }

    static List<ExceptionEntry> scanAll(ExceptionStore store) throws IOException {
        List<ExceptionEntry> all = new ArrayList<>();
        store.scan(0, 0, all::add);
        return all;
    }

    private void run(long seed, int operations) throws Exception {
        Random random = new Random(seed);
        FaultInjectingDevice device = new FaultInjectingDevice(16 << 20);
        SharedExceptionStore.format(device, CHUNK, ORIGIN_CHUNKS * CHUNK);
        // A tiny node cache, so nodes are evicted and re-read all the time.
        SharedExceptionStore store = SharedExceptionStore.open(device, 16L * CHUNK);
        StoreModel model = new StoreModel();
        for (int op = 0; op < operations; op++) {
            int dice = random.nextInt(100);
            if (dice < 6 || model.snapshots.isEmpty()) {
                SnapshotInfo info = store.createSnapshot("s" + op);
                model.snapshots.put(info.id(), SnapshotState.LIVE);
            } else if (dice < 8) {
                long id = randomKey(random, model.snapshots.keySet());
                SnapshotState state = random.nextBoolean() ? SnapshotState.DELETING : SnapshotState.INVALID;
                store.setSnapshotState(id, state);
                model.snapshots.put(id, state);
            } else if (dice < 50) {
                long chunk = random.nextInt((int) ORIGIN_CHUNKS);
                List<IdRange> ranges = store.rangesLackingCopy(chunk);
                assertEquals(model.rangesLackingCopy(chunk), ranges, "ranges lacking a copy of chunk " + chunk);
                if (!ranges.isEmpty() && store.freeChunks() > 64) {
                    IdRange range = ranges.get(random.nextInt(ranges.size()));
                    ExceptionEntry entry = new ExceptionEntry(chunk, range.from(), range.to(), store.allocateChunk());
                    store.addEntry(entry);
                    model.add(entry);
                }
            } else if (dice < 65 && !model.entries.isEmpty()) {
                ExceptionEntry victim = randomEntry(random, model);
                store.removeEntry(victim.originChunk(), victim.fromId());
                store.freeChunk(victim.storeChunk());
                model.remove(victim.originChunk(), victim.fromId());
            } else if (dice < 72 && !model.entries.isEmpty()) {
                ExceptionEntry old = randomEntry(random, model);
                long newTo = old.fromId() + random.nextInt((int) (old.toId() - old.fromId() + 1));
                long newStore = old.storeChunk();
                if (random.nextBoolean() && store.freeChunks() > 64) {
                    newStore = store.allocateChunk();
                    store.freeChunk(old.storeChunk());
                }
                ExceptionEntry updated = new ExceptionEntry(old.originChunk(), old.fromId(), newTo, newStore);
                store.updateEntry(updated);
                model.add(updated);
            } else if (dice < 95) {
                long chunk = random.nextInt((int) ORIGIN_CHUNKS);
                long id = 1 + random.nextInt(Math.max(1, model.snapshots.lastKey().intValue()));
                assertEquals(model.find(chunk, id), store.find(chunk, id).orElse(null), "find " + chunk + ":" + id);
            } else if (dice < 99) {
                store.commit();
            } else {
                store.close();
                store = SharedExceptionStore.open(device, 16L * CHUNK);
            }
        }
        store.commit();
        assertEquals(model.all(), scanAll(store));
        CheckReport report = StoreChecker.check(store, n -> { });
        assertTrue(report.clean(), report.problems().toString());
        SharedExceptionStore reopened = SharedExceptionStore.open(device, SharedExceptionStore.DEFAULT_CACHE_BYTES);
        assertEquals(model.all(), scanAll(reopened));
        assertEquals(model.snapshots.size(), reopened.snapshots().size());
    }

    static long randomKey(Random random, java.util.Set<Long> keys) {
        List<Long> list = new ArrayList<>(keys);
        return list.get(random.nextInt(list.size()));
    }

    static ExceptionEntry randomEntry(Random random, StoreModel model) {
        List<ExceptionEntry> all = model.all();
        return all.get(random.nextInt(all.size()));
    }
}
