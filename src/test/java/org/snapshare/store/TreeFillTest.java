package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/**
 * How full the tree's leaves end up: copies made in ascending order (a whole overwrite after a snapshot) fill
 * them, since a leaf that overflows at its end keeps its entries and the new leaf starts with the last one;
 * copies in any order still land where lookups and check find them. 4 KiB chunks: 101 entries a leaf.
 */
class TreeFillTest {

    private static final int CHUNK = 4096;
    private static final int ENTRIES = 2020;

    private static SharedExceptionStore store() throws IOException {
        FaultInjectingDevice device = new FaultInjectingDevice(16 << 20);
        SharedExceptionStore.format(device, CHUNK, (long) ENTRIES * CHUNK);
        return SharedExceptionStore.open(device, 1 << 20);
    }

    private static int leaves(SharedExceptionStore store) throws IOException {
        int[] leaves = {0};
        store.state().tree().visitNodes((node, level) -> leaves[0] += node.isLeaf() ? 1 : 0);
        return leaves[0];
    }

    private static void addAll(SharedExceptionStore store, long id, List<Long> chunks) throws IOException {
        for (long chunk : chunks) {
            store.addEntry(new ExceptionEntry(chunk, id, id, ExceptionEntry.ZEROS));
        }
        store.commit();
        for (long chunk : chunks) {
            assertTrue(store.find(chunk, id).isPresent(), "entry of chunk " + chunk);
        }
        assertTrue(StoreChecker.check(store, done -> { }).clean());
    }

    private static List<Long> chunks() {
        List<Long> chunks = new ArrayList<>();
        for (long chunk = 0; chunk < ENTRIES; chunk++) {
            chunks.add(chunk);
        }
        return chunks;
    }

    @Test
    void copiesInAscendingOrderFillTheirLeaves() throws IOException {
        SharedExceptionStore store = store();
        addAll(store, store.createSnapshot("s").id(), chunks());
        int leaves = leaves(store);
        assertTrue(leaves <= ENTRIES / 100 + 1, leaves + " leaves for " + ENTRIES + " ascending entries: half empty");
    }

    @Test
    void copiesInAscendingOrderBetweenAnotherSnapshotsFillTheirLeavesToo() throws IOException {
        SharedExceptionStore store = store();
        List<Long> even = chunks().stream().filter(c -> c % 2 == 0).toList();
        addAll(store, store.createSnapshot("older").id(), even);
        addAll(store, store.createSnapshot("newer").id(), chunks());
        int leaves = leaves(store);
        int entries = even.size() + ENTRIES;
        // Splits in half alone leave 51 entries a leaf here (59 leaves); the older entries still split some leaves.
        assertTrue(entries / leaves >= 60, leaves + " leaves for " + entries + " entries");
    }

    @Test
    void copiesInAnyOrderAreFoundAndTheTreeChecksClean() throws IOException {
        SharedExceptionStore store = store();
        List<Long> shuffled = chunks();
        Collections.shuffle(shuffled, new Random(7));
        addAll(store, store.createSnapshot("random").id(), shuffled);
        List<Long> descending = chunks();
        Collections.reverse(descending);
        addAll(store, store.createSnapshot("descending").id(), descending);
    }
}
