package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/** New stores are format 7; older formats keep working in their format; newer ones are refused. */
class StoreFormatVersionTest {

    private static final int CHUNK = 4096;

    /** A format 1 store as the previous release wrote it: version 1 superblock and commit blocks. */
    private static FaultInjectingDevice formatOne() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK, 2);
        ByteBuffer header = ByteBuffer.allocate(Superblock.SIZE);
        device.read(0, header);
        Superblock two = Superblock.decode(header);
        CommitBlock commit = StoreMount.newestCommit(device, two);
        header.putInt(8, 1).putInt(Superblock.SIZE - 4, MetaBlock.crc(header, Superblock.SIZE - 4));
        Superblock one = Superblock.decode(header);
        device.write(0, header.clear());
        device.write(StoreLayout.slotOffset(commit.sequence), commit.encode(one));
        device.flush();
        return device;
    }

    private static int versionOfNewestSlot(FaultInjectingDevice device, SharedExceptionStore store) throws Exception {
        ByteBuffer slot = ByteBuffer.allocate(CommitBlock.SIZE);
        device.read(StoreLayout.slotOffset(store.state().sequence()), slot);
        return slot.getInt(8);
    }

    @Test
    void newStoresAreFormatSeven() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(7, store.superblock().version);
        assertEquals(7, versionOfNewestSlot(device, store));
    }

    private static final int ENTRIES = 300;

    /** {@link #ENTRIES} entries for snapshot {@code id}, one per origin chunk, in a scattered order; committed. */
    private static void addScattered(SharedExceptionStore store, long id) throws Exception {
        for (int i = 0; i < ENTRIES; i++) {
            store.addEntry(new ExceptionEntry(i * 97L % ENTRIES, id, id, store.allocateChunk()));
        }
        store.commit();
    }

    private static void assertFindsAll(SharedExceptionStore store, long id) throws Exception {
        for (long chunk = 0; chunk < ENTRIES; chunk++) {
            assertTrue(store.find(chunk, id).isPresent(), "entry of chunk " + chunk);
        }
        assertTrue(StoreChecker.check(store, done -> { }).clean());
    }

    @Test
    void formatSevenKeepsEachTreeNodeInTheFirstPageOfItsChunk() throws Exception {
        int chunk = 16 << 10;
        FaultInjectingDevice device = new FaultInjectingDevice(16 << 20);
        SharedExceptionStore.format(device, chunk, ENTRIES * chunk);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long id = store.createSnapshot("s").id();
        addScattered(store, id);
        assertEquals(2, store.state().tree().height, "a 4 KiB leaf holds 101 entries: 300 take several");
        byte[] disk = device.contents();
        List<Long> nodeChunks = new ArrayList<>();
        store.state().tree().visitNodes((node, level) -> nodeChunks.addAll(node.ref().chunks()));
        for (long node : nodeChunks) {
            for (long at = node * chunk + StoreLayout.SMALL_NODE_BYTES; at < (node + 1) * chunk; at++) {
                assertEquals(0, disk[(int) at], "node chunk " + node + " was written past its first page");
            }
        }
        assertFindsAll(SharedExceptionStore.open(device, 1 << 20), id);
    }

    @Test
    void aFormatSixStoreKeepsChunkSizedTreeNodes() throws Exception {
        int chunk = 16 << 10;
        FaultInjectingDevice device = new FaultInjectingDevice(16 << 20);
        SharedExceptionStore.format(device, chunk, ENTRIES * chunk, 6);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long id = store.createSnapshot("s").id();
        addScattered(store, id);
        assertEquals(1, store.state().tree().height, "a 16 KiB leaf holds 409 entries");
        SharedExceptionStore again = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(6, again.superblock().version);
        assertFindsAll(again, id);
    }

    @Test
    void formatSixKeepsEachSnapshotsParentAcrossAReopen() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long top = store.createSnapshot("top").id();
        long child = store.createSnapshot("child", 0, UUID.randomUUID(), Instant.now(), top).id();
        store.createSnapshot("grandchild", 0, UUID.randomUUID(), Instant.now(), child);
        store.commit();
        SharedExceptionStore reopened = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(0, reopened.snapshot("top").orElseThrow().parentId());
        assertEquals(top, reopened.snapshot("child").orElseThrow().parentId());
        assertEquals(child, reopened.snapshot("grandchild").orElseThrow().parentId());
        assertEquals(top, reopened.tree().parentOf(child));
    }

    @Test
    void aFormatFiveStoreRefusesASnapshotOfASnapshotAndSaysWhy() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK, 5);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long top = store.createSnapshot("top").id();
        StoreException refused = assertThrows(StoreException.class,
                () -> store.createSnapshot("child", 0, UUID.randomUUID(), Instant.now(), top));
        assertTrue(refused.getMessage().contains("need format 6"), refused.getMessage());
        assertEquals(1, store.snapshots().size(), "nothing was added");
        store.commit();
        assertEquals(5, SharedExceptionStore.open(device, 1 << 20).superblock().version);
    }

    @Test
    void formatFourAndLaterKeepTheIdentityASnapshotWasGiven() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        UUID received = UUID.fromString("0b5e8c1e-6f3a-4d52-9a57-3c1f0e2d4b6a");
        store.createSnapshot("received", 16L * CHUNK, received, Instant.EPOCH);
        UUID local = store.createSnapshot("local", 16L * CHUNK).identity();
        store.commit();
        StoreException twice = assertThrows(StoreException.class,
                () -> store.createSnapshot("again", 16L * CHUNK, received, Instant.EPOCH));
        assertTrue(twice.getMessage().contains(received.toString()), twice.getMessage());

        SharedExceptionStore again = SharedExceptionStore.open(device, 1 << 20);
        assertTrue(again.keepsSnapshotIdentities());
        assertEquals(received, again.snapshot("received").orElseThrow().identity());
        assertEquals(local, again.snapshot("local").orElseThrow().identity());
        assertNotEquals(received, local);
        assertTrue(StoreChecker.check(again, done -> { }).clean());
    }

    @Test
    void formatThreeDerivesIdentitiesFromItsNonceAndTheId() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK, 3);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        assertFalse(store.keepsSnapshotIdentities());
        SnapshotInfo info = store.createSnapshot("three", 16L * CHUNK, UUID.randomUUID(), Instant.EPOCH);
        store.commit();
        assertEquals(new UUID(store.superblock().nonce, info.id()), info.identity(), "not kept: derived");
        SharedExceptionStore again = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(info.identity(), again.snapshot("three").orElseThrow().identity(), "stable across mounts");
        assertEquals(3, versionOfNewestSlot(device, again));
    }

    @Test
    void aStoreOfANewerFormatIsRefusedUntouched() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK);
        ByteBuffer header = ByteBuffer.allocate(Superblock.SIZE);
        device.read(0, header);
        header.putInt(Superblock.VERSION_OFFSET, Superblock.VERSION + 1)
                .putInt(Superblock.SIZE - 4, MetaBlock.crc(header, Superblock.SIZE - 4));
        device.write(0, header.clear());
        device.write(StoreLayout.SUPERBLOCK_COPY_OFFSET, header.clear());
        long writes = device.writeCount();
        IOException refused = assertThrows(IOException.class, () -> SharedExceptionStore.open(device, 1 << 20));
        assertTrue(refused.getMessage().contains("version " + (Superblock.VERSION + 1) + " is not supported"),
                refused.getMessage());
        assertEquals(writes, device.writeCount(), "a refused mount writes nothing");
    }

    @Test
    void aFormatTwoStoreKeepsOneCopyOfEachBlockAndServesACluster() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK, 2);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        store.takeOver(new HandGrant(7, true));
        long id = store.createSnapshot("two").id();
        long chunk = store.allocateChunk();
        store.addEntry(new ExceptionEntry(5, id, id, chunk));
        store.commit();
        assertEquals(2, versionOfNewestSlot(device, store));
        assertTrue(store.state().tree().root.mirror() == 0 && !store.state().tree().root.isNone(), "one copy: " + store.state().tree().root);

        SharedExceptionStore again = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(chunk, again.find(5, id).orElseThrow().storeChunk());
        assertTrue(StoreChecker.check(again, done -> { }).clean());
    }

    @Test
    void aFormatOneStoreMountsAndKeepsItsFormatButRefusesAClusterLock() throws Exception {
        FaultInjectingDevice device = formatOne();
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(1, store.superblock().version);
        store.takeOver(new SingleNodeLock().take(Duration.ZERO).orElseThrow());
        long id = store.createSnapshot("old").id();
        long chunk = store.allocateChunk();
        store.addEntry(new ExceptionEntry(3, id, id, chunk));
        store.commit();
        assertEquals(1, versionOfNewestSlot(device, store));

        SharedExceptionStore again = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(chunk, again.find(3, id).orElseThrow().storeChunk());
        assertTrue(StoreChecker.check(again, done -> { }).clean());

        HandGrant clustered = new HandGrant(42, true);
        StoreException refused = assertThrows(StoreException.class, () -> again.takeOver(clustered));
        assertTrue(refused.getMessage().contains("format version 1"), refused.getMessage());
    }
}
