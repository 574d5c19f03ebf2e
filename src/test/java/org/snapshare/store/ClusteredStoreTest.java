package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.cluster.ZooKeeperLock;
import org.snapshare.cluster.ZooKeeperLockTest;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.testing.NodeCachingDevice;

/**
 * Two nodes sharing one exception store, each through its own cache of the
 * device: what one commits under the cluster lock the other sees after
 * taking it, and a node that was fenced commits nothing.
 */
class ClusteredStoreTest {

    private static final int CHUNK = 4096;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FaultInjectingDevice disk = new FaultInjectingDevice(4 << 20);

    ClusteredStoreTest() throws IOException {
        SharedExceptionStore.format(disk, CHUNK, 64L * CHUNK);
    }

    private SharedExceptionStore node(boolean honourDrops) throws IOException {
        return SharedExceptionStore.open(new NodeCachingDevice(disk, honourDrops), 1 << 20);
    }

    private static long copy(SharedExceptionStore store, long originChunk, long snapshotId, int fill)
            throws IOException {
        long chunk = store.allocateChunk();
        store.writeChunk(chunk, 0, ByteBuffer.wrap(filled(fill)));
        store.addEntry(new ExceptionEntry(originChunk, snapshotId, snapshotId, chunk));
        return chunk;
    }

    private static byte[] filled(int fill) {
        byte[] bytes = new byte[CHUNK];
        java.util.Arrays.fill(bytes, (byte) fill);
        return bytes;
    }

    private static byte[] readEntry(SharedExceptionStore store, long originChunk, long snapshotId)
            throws IOException {
        ExceptionEntry entry = store.find(originChunk, snapshotId).orElseThrow(
                () -> new AssertionError("no entry for chunk " + originChunk + " of snapshot " + snapshotId));
        ByteBuffer data = ByteBuffer.allocate(CHUNK);
        store.readChunk(entry.storeChunk(), 0, data);
        return data.array();
    }

    @Test
    void aNodeTakingTheLockSeesEverythingTheOtherCommittedAndAMissedInvalidationWouldShow() throws Exception {
        try (TestingServer zookeeper = new TestingServer(true);
                ZooKeeperCluster clusterA = connect(zookeeper, "a");
                ZooKeeperCluster clusterB = connect(zookeeper, "b")) {
            ZooKeeperLock lockA = clusterA.lockFor("vol0");
            ZooKeeperLock lockB = clusterB.lockFor("vol0");
            SharedExceptionStore a = node(true);
            SharedExceptionStore b = node(true);

            a.takeOver(lockA.take(WAIT).orElseThrow());
            long first = a.createSnapshot("first").id();
            copy(a, 3, first, 0x11);
            a.commit();
            lockA.release();
            SharedExceptionStore blind = node(false); // a node whose cache drops are lost: it caches this state
            assertEquals(List.of("first"), names(blind));

            b.takeOver(lockB.take(WAIT).orElseThrow());
            assertEquals(List.of("first"), names(b));
            assertTrue(java.util.Arrays.equals(filled(0x11), readEntry(b, 3, first)));
            long second = b.createSnapshot("second").id();
            copy(b, 5, second, 0x22);
            b.commit();
            lockB.release();

            ClusterLock.Grant again = lockA.take(WAIT).orElseThrow();
            assertTrue(again.othersHeldSince());
            a.takeOver(again);
            assertEquals(List.of("first", "second"), names(a));
            assertTrue(java.util.Arrays.equals(filled(0x22), readEntry(a, 5, second)));
            copy(a, 7, second, 0x33); // a changes the tree b grew: its cached nodes must be gone
            a.commit();
            lockA.release();

            blind.takeOver(new HandGrant(0, true));
            assertEquals(List.of("first"), names(blind),
                    "the control node that ignores cache drops should still see the stale store");

            SharedExceptionStore check = node(true);
            CheckReport report = StoreChecker.check(check, done -> { });
            assertTrue(report.clean(), report.problems().toString());
            assertTrue(java.util.Arrays.equals(filled(0x33), readEntry(check, 7, second)));
        }
    }

    private static ZooKeeperCluster connect(TestingServer zookeeper, String name) throws IOException {
        return ZooKeeperCluster.connect(zookeeper.getConnectString(), name, ZooKeeperLockTest.SESSION, WAIT);
    }

    private static List<String> names(SharedExceptionStore store) {
        return store.snapshots().stream().map(SnapshotInfo::name).toList();
    }

    @Test
    void aFrozenHolderThatWakesStillTrustingItsLockIsFencedBeforeItWritesABlock() throws Exception {
        SharedExceptionStore a = node(true);
        SharedExceptionStore b = node(true);
        a.takeOver(new HandGrant(5, true));
        long id = a.createSnapshot("s").id();
        a.commit();
        // a freezes here, still believing in generation 5; its session expires and b takes over
        b.takeOver(new HandGrant(6, true));
        copy(b, 1, id, 0x44);
        b.commit();
        byte[] before = disk.contents();

        a.createSnapshot("t"); // a metadata change: only the commit could carry it to the disk
        StoreFencedException fenced = assertThrows(StoreFencedException.class, a::commit);
        assertTrue(fenced.getMessage().contains("fenced"), fenced.getMessage());
        assertThrows(StoreFencedException.class, () -> a.createSnapshot("u"), "a fenced store took a change");
        assertTrue(java.util.Arrays.equals(before, disk.contents()), "the fenced node wrote to the store");

        a.takeOver(new HandGrant(7, true)); // its turn again: it remounts and carries on
        assertEquals(List.of("s"), names(a));
        assertTrue(java.util.Arrays.equals(filled(0x44), readEntry(a, 1, id)));
        copy(a, 2, id, 0x55);
        a.commit();
        SharedExceptionStore after = node(true);
        assertEquals(7, StoreMount.newestCommit(disk, after.superblock()).generation);
        assertTrue(java.util.Arrays.equals(filled(0x44), readEntry(after, 1, id)));
        assertTrue(java.util.Arrays.equals(filled(0x55), readEntry(after, 2, id)));
        CheckReport report = StoreChecker.check(after, done -> { });
        assertTrue(report.clean(), report.problems().toString());
    }

    @Test
    void aLostGrantStopsChangesAtOnceAndItsUncommittedWorkIsDroppedAtTheNextTenure() throws Exception {
        SharedExceptionStore a = node(true);
        HandGrant first = new HandGrant(5, true);
        a.takeOver(first);
        long id = a.createSnapshot("s").id();
        a.commit();
        copy(a, 1, id, 0x66); // changed, not committed, when the session goes
        first.valid = false;
        byte[] before = disk.contents();
        StoreFencedException refused = assertThrows(StoreFencedException.class,
                () -> a.writeChunk(a.chunkCount() - 5, 0, ByteBuffer.wrap(filled(0x77))));
        assertTrue(refused.getMessage().contains("takes the lock again"), refused.getMessage());
        refused = assertThrows(StoreFencedException.class, () -> copy(a, 2, id, 0x77));
        assertTrue(refused.getMessage().contains("takes the lock again"), refused.getMessage());
        assertThrows(StoreFencedException.class, a::commit);
        assertTrue(java.util.Arrays.equals(before, disk.contents()), "a node without its lock wrote to the store");

        a.takeOver(new HandGrant(8, false));
        assertFalse(a.find(1, id).isPresent(), "work of the lost tenure survived without a commit");
        copy(a, 2, id, 0x77);
        a.commit();
        assertTrue(node(true).find(2, id).isPresent());
    }

    @Test
    void aPeekAtTheSnapshotTableReadsItAfreshAndKeepsTheRestOfTheCache() throws Exception {
        SharedExceptionStore holder = node(true);
        long first = holder.createSnapshot("first").id();
        long data = copy(holder, 3, first, 0x33);
        holder.commit();
        NodeCachingDevice peekerView = new NodeCachingDevice(disk, true);
        SharedExceptionStore peeker = SharedExceptionStore.open(peekerView, 1 << 20);
        peeker.readChunk(data, 0, ByteBuffer.allocate(CHUNK));
        assertTrue(peekerView.caches(data * CHUNK), "the copy is in the peeker's cache");

        holder.createSnapshot("second");
        holder.commit();
        List<String> seen = peeker.snapshotsOnDisk().stream().map(SnapshotInfo::name).toList();
        assertEquals(List.of("first", "second"), seen, "the peek read the newest table from the disk");
        assertTrue(peekerView.caches(data * CHUNK), "the peek dropped only the commit ring and the table's blocks");
    }
}
