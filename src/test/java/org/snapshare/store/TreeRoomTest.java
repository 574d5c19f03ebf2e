package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.snapshare.device.FaultInjectingDevice;

/**
 * Tree changes in a store whose data filled it: each is refused whole
 * before it changes anything once only the room the commit and deletes need
 * is left; the commit always finds its room; deletes go on; promised room
 * is kept from everything else.
 */
class TreeRoomTest {

    private static final int CHUNK = 4096;
    private static final int ORIGIN_CHUNKS = 20_000;

    /** A store of one-page nodes, filled by copies for snapshot a at every other chunk (a tree of ~10,000 entries); then b. */
    private static SharedExceptionStore filled(FaultInjectingDevice device) throws Exception {
        SharedExceptionStore.format(device, CHUNK, (long) ORIGIN_CHUNKS * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20, StoreFullPolicy.FAIL_WRITES);
        long a = store.createSnapshot("a").id();
        store.createSnapshot("b");
        assertThrows(StoreFullException.class, () -> {
            for (int chunk = 0; chunk < ORIGIN_CHUNKS; chunk += 2) {
                store.addEntry(new ExceptionEntry(chunk, a, a, store.allocateChunk()));
            }
        });
        store.commit();
        return store;
    }

    /** A filled store ({@link #filled}) after 60 of a's copies went: room for a few changes above its floor. */
    private static FaultInjectingDevice withSomeRoom(FaultInjectingDevice device) throws Exception {
        try (SharedExceptionStore full = filled(device)) {
            long a = full.snapshot("a").orElseThrow().id();
            for (long chunk = 0; chunk < 120; chunk += 2) {
                full.freeChunk(full.entries(chunk).get(0).storeChunk());
                full.removeEntry(chunk, a);
            }
            full.commit();
        }
        return device;
    }

    private static FaultInjectingDevice device() {
        return new FaultInjectingDevice((ORIGIN_CHUNKS / 2 + 200) * CHUNK); // full before a has every other chunk
    }

    /**
     * Unmapped ranges of b (entries without data, as UNMAP of a snapshot
     * makes) in leaves all over the tree, each a shadowed leaf, until the
     * store refuses; inserted one at a time with nothing else: before the
     * room was kept, such inserts went on into the commit's last chunks and
     * the commit failed (after 47 of them in a store of 22,000 chunks).
     */
    @Test
    void insertsPastTheDataReserveAreRefusedWholeAndTheCommitFindsItsRoom() throws Exception {
        FaultInjectingDevice device = device();
        SharedExceptionStore store = filled(device);
        long b = store.snapshot("b").orElseThrow().id();
        List<Long> added = new ArrayList<>();
        StoreFullException refused = assertThrows(StoreFullException.class, () -> {
            for (long chunk = 1; chunk < ORIGIN_CHUNKS; chunk += 2 * 97) { // a leaf of its own each
                store.addEntry(new ExceptionEntry(chunk, b, b, ExceptionEntry.ZEROS));
                added.add(chunk);
            }
        });
        assertTrue(refused.getMessage().contains("kept for the commit and for deletes"), refused.getMessage());
        long refusedChunk = 1 + 2L * 97 * added.size();
        assertTrue(store.entries(refusedChunk).isEmpty(), "the refused entry left nothing behind");

        store.commit();
        for (long chunk : added) {
            assertEquals(1, store.entries(chunk).size(), "chunk " + chunk + " kept its entry");
        }
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(device, 1 << 20), n -> { });
        assertTrue(report.clean(), () -> report.problems().toString());
    }

    /**
     * Copies whose chunks were taken before the store filled, entered after
     * the tree's room ran out: each chunk is given back, and the store-full
     * policy applies as it does to a copy that finds no chunk.
     */
    @ParameterizedTest
    @EnumSource(StoreFullPolicy.class)
    void aCopyTheTreeHasNoRoomForGivesItsChunkBackAndFollowsThePolicy(StoreFullPolicy policy) throws Exception {
        FaultInjectingDevice device = device();
        SharedExceptionStore store = SharedExceptionStore.open(withSomeRoom(device), 1 << 20, policy);
        long b = store.snapshot("b").orElseThrow().id();
        List<Long> taken = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // copies under way: their chunks taken, their entries not yet added
            taken.add(store.allocateChunk());
        }
        assertThrows(StoreFullException.class, () -> { // meanwhile unmapped ranges take the tree's room
            for (long chunk = 1; chunk < ORIGIN_CHUNKS; chunk += 2 * 97) {
                store.addEntry(new ExceptionEntry(chunk, b, b, ExceptionEntry.ZEROS));
            }
        });
        long free = store.freeChunks();
        ExceptionEntry copy = new ExceptionEntry(3 + 2 * 97 * 50, b, b, taken.get(0));
        if (policy == StoreFullPolicy.FAIL_WRITES) {
            assertThrows(StoreFullException.class, () -> store.addCopy(copy));
            assertEquals(SnapshotState.LIVE, store.snapshot("b").orElseThrow().state());
        } else {
            assertFalse(store.addCopy(copy));
            assertEquals(SnapshotState.INVALID, store.snapshot("b").orElseThrow().state());
        }
        assertEquals(free + 1, store.freeChunks(), "the copy's chunk is free again");
        assertTrue(store.entries(copy.originChunk()).isEmpty());
        for (long chunk : taken.subList(1, taken.size())) {
            store.freeChunk(chunk); // as the copier gives back the chunks of the copies after a refused one
        }
        store.commit();
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(device, 1 << 20), n -> { });
        assertTrue(report.clean(), () -> report.problems().toString());
    }

    @Test
    void removalsGoOnWhereInsertsAreRefused() throws Exception {
        FaultInjectingDevice device = device();
        SharedExceptionStore store = filled(device);
        long a = store.snapshot("a").orElseThrow().id();
        long b = store.snapshot("b").orElseThrow().id();
        assertThrows(StoreFullException.class, () -> {
            for (long chunk = 1; chunk < ORIGIN_CHUNKS; chunk += 2 * 97) {
                store.addEntry(new ExceptionEntry(chunk, b, b, ExceptionEntry.ZEROS));
            }
        });
        long freeBefore = store.freeChunks();
        for (long chunk = 2 * 97; chunk < ORIGIN_CHUNKS / 2; chunk += 2 * 97) { // a's entries, in other leaves
            ExceptionEntry entry = store.entries(chunk).get(0);
            store.removeEntry(chunk, a);
            store.freeChunk(entry.storeChunk());
            store.commit(); // gives back the replaced leaves and the data
        }
        assertTrue(store.freeChunks() > freeBefore, "the removals gave room back");
        store.addEntry(new ExceptionEntry(ORIGIN_CHUNKS - 1, b, b, ExceptionEntry.ZEROS));
        store.commit();
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(device, 1 << 20), n -> { });
        assertTrue(report.clean(), () -> report.problems().toString());
    }

    @Test
    void promisedRoomIsKeptFromOtherChangesAndRefusedWhenItIsNotThere() throws Exception {
        SharedExceptionStore unpromised = SharedExceptionStore.open(withSomeRoom(device()), 1 << 20,
                StoreFullPolicy.FAIL_WRITES);
        int takenWithoutPromise = insertsUntilRefused(unpromised);

        FaultInjectingDevice device = withSomeRoom(device());
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20, StoreFullPolicy.FAIL_WRITES);
        long b = store.snapshot("b").orElseThrow().id();
        assertThrows(StoreFullException.class, () -> store.withTreeRoom(100_000, () -> null),
                "more room than the store has is refused before the work runs");
        List<Long> promisedChunks = List.of(3L, 3L + 2 * 97 * 40, 3L + 2 * 97 * 80);
        int takenBesidePromise = store.withTreeRoom(promisedChunks.size(), () -> {
            // Meanwhile another thread takes what it can.
            int taken = CompletableFuture.supplyAsync(() -> insertsUntilRefused(store)).join();
            for (long chunk : promisedChunks) {
                store.addEntry(new ExceptionEntry(chunk, b, b, ExceptionEntry.ZEROS));
            }
            return taken;
        });
        store.commit();
        assertTrue(takenBesidePromise < takenWithoutPromise, "the other thread took " + takenBesidePromise
                + " changes beside the promise, " + takenWithoutPromise + " without it: the promised room was kept");
        for (long chunk : promisedChunks) {
            assertEquals(1, store.entries(chunk).size(), "the promised change " + chunk + " went in");
        }
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(device, 1 << 20), n -> { });
        assertTrue(report.clean(), () -> report.problems().toString());
    }

    /** Unmapped ranges of b, each in a leaf of its own, until the store refuses one; how many went in. */
    private static int insertsUntilRefused(SharedExceptionStore store) {
        int added = 0;
        try {
            long b = store.snapshot("b").orElseThrow().id();
            for (long chunk = 5; chunk < ORIGIN_CHUNKS; chunk += 2 * 97) {
                store.addEntry(new ExceptionEntry(chunk, b, b, ExceptionEntry.ZEROS));
                added++;
            }
        } catch (StoreFullException refused) {
            return added;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("the store never refused");
    }
}
