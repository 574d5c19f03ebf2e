package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.testing.Filled;

/**
 * A bad sector in the B+-tree root (issue 18's example): the store notices at
 * mount, and an origin write that cannot learn whether a snapshot needs a
 * copy follows damaged-metadata-policy: invalidate the live snapshots and go
 * ahead (the default), or fail.
 */
class DamagedMetadataTest {

    private static final int CHUNK = 4096;
    private static final int ORIGIN_CHUNKS = 64;

    @TempDir
    Path dir;

    private final FaultInjectingDevice storeDevice = new FaultInjectingDevice(2 << 20);
    private final FaultInjectingDevice origin = new FaultInjectingDevice(ORIGIN_CHUNKS * CHUNK);

    /** A volume with snapshot s1 that has its own copy of 32 chunks; then one byte of the tree root flipped in both its copies. */
    private void damagedVolume() throws Exception {
        SharedExceptionStore.format(storeDevice, CHUNK, (long) ORIGIN_CHUNKS * CHUNK);
        try (SnapshotCore core = new SnapshotCore("vol", 1, origin, SharedExceptionStore.open(storeDevice, 1 << 20),
                dir.resolve("journal"))) {
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x11, ORIGIN_CHUNKS * CHUNK)));
            core.createSnapshot("s1");
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x22, 32 * CHUNK)));
        }
        BlockRef root = StoreMount.newestCommit(storeDevice, MetadataDamage.superblock(storeDevice)).treeRoot;
        MetadataDamage.flipEveryCopy(storeDevice, CHUNK, root, 100);
    }

    /** As the server opens a volume: the tree root probed at once. */
    private SnapshotCore open(DamagedMetadataPolicy policy) throws IOException {
        SharedExceptionStore store = SharedExceptionStore.open(storeDevice, new NodeCacheBudget(1 << 20),
                StoreFullPolicy.INVALIDATE_SNAPSHOTS, policy);
        store.probeTreeRoot();
        return new SnapshotCore("vol", 1, origin, store, dir.resolve("journal"));
    }

    private static SnapshotState state(SnapshotCore core) throws IOException {
        return SnapshotState.valueOf(core.snapshots().get(0).state().name());
    }

    @Test
    void theOriginStaysWritableAndTheSnapshotsBecomeInvalid() throws Exception {
        damagedVolume();
        try (SnapshotCore core = open(DamagedMetadataPolicy.INVALIDATE_SNAPSHOTS)) {
            assertTrue(core.damage().isPresent(), "damage in the tree root is found at mount");
            assertTrue(core.damage().get().contains("checksum"), core.damage().get());
            core.origin().write(40L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x33, CHUNK)));
            byte[] back = new byte[CHUNK];
            core.origin().read(40L * CHUNK, ByteBuffer.wrap(back));
            assertArrayEquals(Filled.bytes(0x33, CHUNK), back);
            assertEquals(SnapshotState.INVALID, state(core));
            LogicalUnit s1 = core.servedSnapshots().get("s1");
            assertThrows(IOException.class, () -> s1.read(0, ByteBuffer.allocate(CHUNK)),
                    "an invalid snapshot must not be read");
            core.origin().write(41L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x44, CHUNK))); // no snapshot left to copy for
        }
        try (SnapshotCore again = open(DamagedMetadataPolicy.INVALIDATE_SNAPSHOTS)) {
            assertEquals(SnapshotState.INVALID, state(again), "the invalidation was committed");
            byte[] back = new byte[2 * CHUNK];
            again.origin().read(40L * CHUNK, ByteBuffer.wrap(back));
            assertArrayEquals(Filled.bytes(0x33, CHUNK), Arrays.copyOf(back, CHUNK));
            assertArrayEquals(Filled.bytes(0x44, CHUNK), Arrays.copyOfRange(back, CHUNK, 2 * CHUNK));
        }
    }

    @Test
    void failWritesKeepsTheSnapshotsAndFailsTheWrite() throws Exception {
        damagedVolume();
        try (SnapshotCore core = open(DamagedMetadataPolicy.FAIL_WRITES)) {
            IOException refused = assertThrows(IOException.class,
                    () -> core.origin().write(40L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x33, CHUNK))));
            assertTrue(refused.getMessage().contains("checksum"), refused.getMessage());
            byte[] back = new byte[CHUNK];
            core.origin().read(40L * CHUNK, ByteBuffer.wrap(back));
            assertArrayEquals(Filled.bytes(0x11, CHUNK), back, "the failed write changed the origin");
            assertEquals(List.of("s1"), List.copyOf(core.servedSnapshots().keySet()));
        }
    }
}
