package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.SharedExceptionStore;

/** What `snapshot list` shows as OWNED: copies no other live snapshot reads, from the store's range counters. */
class OwnedSpaceTest {

    private static final int CHUNK = 4096;
    private static final int CHUNKS = 32;

    @TempDir
    Path dir;

    private static Map<String, Long> owned(SnapshotCore core) throws Exception {
        return core.snapshots().stream().collect(Collectors.toMap(SnapshotStatus::name, SnapshotStatus::ownedBytes));
    }

    @Test
    void ownedFollowsCopiesSplitsUnmapsAndDeletes() throws Exception {
        FaultInjectingDevice store = new FaultInjectingDevice(2 << 20);
        SharedExceptionStore.format(store, CHUNK, (long) CHUNKS * CHUNK);
        FaultInjectingDevice origin = new FaultInjectingDevice(CHUNKS * CHUNK);
        try (SnapshotCore core = new SnapshotCore("o", 1, origin, SharedExceptionStore.open(store, 1 << 20),
                dir.resolve("journal"))) {
            assertTrue(core.store().copiedChunksByRange().isPresent(), "format 3 keeps range counters");
            core.createSnapshot("a");
            core.createSnapshot("b");
            core.origin().write(0, ByteBuffer.allocate(16 * CHUNK).put(0, (byte) 1)); // 16 copies shared by a, b
            assertEquals(Map.of("a", 0L, "b", 0L), owned(core));
            core.servedSnapshots().get("a").write(0, ByteBuffer.allocate(4 * CHUNK)); // a gets 4 of its own
            assertEquals(Map.of("a", 4L * CHUNK, "b", 4L * CHUNK), owned(core), "the split leaves b 4 alone too");
            core.servedSnapshots().get("a").unmap(0, 2L * CHUNK); // 2 of a's own freed: unmapped ranges own nothing
            assertEquals(2L * CHUNK, owned(core).get("a"));
            core.deleteSnapshot("b");
            Map<String, Long> afterDelete = owned(core); // background delete may have forgotten b already
            assertEquals(14L * CHUNK, afterDelete.get("a"), "a alone reads what it shared with b");
            assertEquals(0L, afterDelete.getOrDefault("b", 0L), "a deleted snapshot owns nothing");
        }
        try (SnapshotCore again = new SnapshotCore("o", 1, origin, SharedExceptionStore.open(store, 1 << 20),
                dir.resolve("journal"))) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!again.backgroundWork().isEmpty()) { // background delete forgets b
                assertTrue(System.nanoTime() < deadline, again.backgroundWork().toString());
                Thread.sleep(5);
            }
            assertEquals(Map.of("a", 14L * CHUNK), owned(again), "the counters were committed with the tree");
        }
    }

    /**
     * A tree: OWNED stays what deleting the snapshot alone frees (nothing for
     * one with snapshots taken of it); TREE is what deleting it and all taken
     * of it frees, from the range counters: a range counts for the nearest
     * ancestor its snapshots share, and for that one's ancestors.
     */
    @Test
    void treeCountsWhatASnapshotAndThoseTakenOfItAloneRead() throws Exception {
        FaultInjectingDevice store = new FaultInjectingDevice(2 << 20);
        SharedExceptionStore.format(store, CHUNK, (long) CHUNKS * CHUNK);
        try (SnapshotCore core = new SnapshotCore("t", 1, new FaultInjectingDevice(CHUNKS * CHUNK),
                SharedExceptionStore.open(store, 1 << 20), dir.resolve("journal-tree"))) {
            core.createSnapshot("p");
            core.createSnapshotOf("c1", "p");
            core.createSnapshotOf("c2", "p");
            core.createSnapshot("other");
            core.origin().write(0, ByteBuffer.allocate(8 * CHUNK).put(0, (byte) 1)); // 8 copies for p..other
            core.servedSnapshots().get("p").write(0, ByteBuffer.allocate(2 * CHUNK)); // p's own 2; c1, c2, other keep 2
            core.servedSnapshots().get("c1").write(10 * CHUNK, ByteBuffer.allocate(3 * CHUNK)); // c1's own 3
            // p reads the origin at chunk 20: before p changes it, c1 and c2 get one copy [c1..c2], p its own
            core.servedSnapshots().get("p").write(20 * CHUNK, ByteBuffer.allocate(CHUNK));
            Map<String, Long> tree = core.snapshots().stream().collect(Collectors.toMap(SnapshotStatus::name,
                    SnapshotStatus::treeBytes));
            // p: its own 3, c1's 3 and the copy c1 and c2 share; not what its children share with other (ids
            // p..other have only the origin in common)
            assertEquals(Map.of("p", 7L * CHUNK, "c1", 3L * CHUNK, "c2", 0L, "other", 0L), tree);
            assertEquals(0L, owned(core).get("p"), "deleting p alone frees nothing: its snapshots read through it");
            assertEquals(3L * CHUNK, owned(core).get("c1"));
        }
    }
}
