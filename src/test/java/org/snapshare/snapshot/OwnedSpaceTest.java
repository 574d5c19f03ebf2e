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
}
