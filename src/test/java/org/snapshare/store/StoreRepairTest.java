package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/**
 * Repair of a store with a damaged tree leaf: the readable entries stay,
 * the snapshots become invalid, unreachable chunks are freed, check is clean;
 * and a power cut at any write of the repair leaves a store that mounts and
 * that repair then finishes.
 */
class StoreRepairTest {

    private static final int CHUNK = 4096;
    private static final int ENTRIES = 600; // about five leaves of 127 entries: a tree of height 2

    /** A store with snapshot s1 owning a copy of origin chunks 0..599, each filled with its chunk number. */
    private static FaultInjectingDevice storeWithCopies() throws IOException {
        FaultInjectingDevice device = new FaultInjectingDevice(8 << 20);
        SharedExceptionStore.format(device, CHUNK, 2048L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long id = store.createSnapshot("s1").id();
        for (int chunk = 0; chunk < ENTRIES; chunk++) {
            long copy = store.allocateChunk();
            store.writeChunk(copy, 0, ByteBuffer.wrap(filled(chunk)));
            store.addEntry(new ExceptionEntry(chunk, id, id, copy));
        }
        store.commit();
        assertEquals(2, store.state().tree().height);
        return device;
    }

    private static byte[] filled(int chunk) {
        byte[] bytes = new byte[CHUNK];
        Arrays.fill(bytes, (byte) chunk);
        return bytes;
    }

    /** Flips a byte in both copies of the second leaf; returns the origin chunks whose entries lived there. */
    private static long[] damageSecondLeaf(FaultInjectingDevice device) throws IOException {
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        Node root = store.readNodeUncached(store.state().tree().root);
        BlockRef leafAt = root.child(1);
        Node leaf = store.readNodeUncached(leafAt);
        long[] lost = Arrays.copyOf(leaf.chunk, leaf.count);
        MetadataDamage.flipEveryCopy(device, CHUNK, leafAt, 200);
        return lost;
    }

    private static CheckReport check(FaultInjectingDevice device) throws IOException {
        return StoreChecker.check(SharedExceptionStore.open(device, 1 << 20), done -> { });
    }

    @Test
    void repairKeepsWhatIsReadableInvalidatesTheSnapshotsAndChecksClean() throws Exception {
        FaultInjectingDevice device = storeWithCopies();
        long[] lost = damageSecondLeaf(device);
        assertFalse(check(device).clean());

        StoreRepair.Result result = StoreRepair.repair(SharedExceptionStore.open(device, 1 << 20), nodes -> { });
        assertEquals(1, result.damagedNodes().size());
        assertEquals(ENTRIES - lost.length, result.entriesKept());
        assertTrue(result.chunksFreed() >= lost.length, "the copies behind the damaged leaf are freed");
        assertEquals(List.of("s1"), result.invalidated());

        CheckReport report = check(device);
        assertTrue(report.clean(), report.problems().toString());
        SharedExceptionStore repaired = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(SnapshotState.INVALID, repaired.snapshot("s1").orElseThrow().state());
        long id = repaired.snapshot("s1").orElseThrow().id();
        for (int chunk = 0; chunk < ENTRIES; chunk++) {
            final long c = chunk;
            boolean wasLost = Arrays.stream(lost).anyMatch(l -> l == c);
            ExceptionEntry entry = repaired.find(chunk, id).orElse(null);
            assertEquals(!wasLost, entry != null, "entry of chunk " + chunk);
            if (entry != null) {
                ByteBuffer data = ByteBuffer.allocate(CHUNK);
                repaired.readChunk(entry.storeChunk(), 0, data);
                assertArrayEquals(filled(chunk), data.array(), "data of chunk " + chunk);
            }
        }
        assertEquals(ENTRIES - lost.length, report.entries());
    }

    @Test
    void aPowerCutAtAnyWriteOfTheRepairLeavesAStoreThatRepairFinishes() throws Exception {
        FaultInjectingDevice damaged = storeWithCopies();
        damageSecondLeaf(damaged);
        FaultInjectingDevice counting = damaged.powerCutDroppingAll();
        long before = counting.writeCount();
        StoreRepair.repair(SharedExceptionStore.open(counting, 1 << 20), nodes -> { });
        long writes = counting.writeCount() - before;
        Random random = new Random(42);
        for (long cut = 0; cut <= writes; cut++) {
            FaultInjectingDevice device = damaged.powerCutDroppingAll();
            device.failAfterWrites(cut);
            try {
                StoreRepair.repair(SharedExceptionStore.open(device, 1 << 20), nodes -> { });
            } catch (IOException expected) {
                // the power went here
            }
            FaultInjectingDevice rebooted = device.powerCut(random, true);
            CheckReport after = check(rebooted);
            if (!after.clean()) { // the old commit, damage and all: repair again
                StoreRepair.repair(SharedExceptionStore.open(rebooted, 1 << 20), nodes -> { });
                after = check(rebooted);
            }
            assertTrue(after.clean(), "power cut after write " + cut + ": " + after.problems());
            assertEquals(SnapshotState.INVALID, SharedExceptionStore.open(rebooted, 1 << 20).snapshot("s1")
                    .orElseThrow().state(), "power cut after write " + cut);
        }
    }
}
