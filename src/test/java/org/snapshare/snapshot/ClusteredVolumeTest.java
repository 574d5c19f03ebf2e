package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.CheckReport;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.testing.NodeCachingDevice;

/**
 * Two nodes serve one volume (shared origin and store devices, each seen
 * through the node's own cache) under a ZooKeeper lock: random writes, reads,
 * snapshot creates, deletes and rollbacks through either node must read back
 * as the model says, however often the lock changes hands; at the end the
 * store checks clean.
 */
class ClusteredVolumeTest {

    private static final int CHUNK = SnapshotCoreModelTest.CHUNK;
    private static final int ORIGIN = 48 * CHUNK + 1536;
    private static final Duration SESSION = Duration.ofSeconds(4);

    @TempDir
    Path dir;

    /** One node's view of the volume. */
    private static final class Node {
        final ZooKeeperCluster cluster;
        final SnapshotCore core;

        Node(TestingServer zookeeper, String name, FaultInjectingDevice origin, FaultInjectingDevice store,
                Path journal) throws IOException {
            cluster = ZooKeeperCluster.connect(zookeeper.getConnectString(), name, SESSION, Duration.ofSeconds(10));
            core = new SnapshotCore("vol", 42, new NodeCachingDevice(origin, true),
                    SharedExceptionStore.open(new NodeCachingDevice(store, true), 32L * CHUNK), journal,
                    cluster.lockFor("vol"), Duration.ofSeconds(20));
        }

        /** The LUN, found after taking the lock, so the node knows every snapshot the other made. */
        LogicalUnit lun(String snapshot) throws IOException {
            if (snapshot == null) {
                return core.origin();
            }
            core.snapshots();
            return core.servedSnapshots().get(snapshot);
        }

        void close() throws IOException {
            core.close();
            cluster.close();
        }
    }

    @Test
    void randomWorkThroughEitherNodeMatchesTheModel() throws Exception {
        long seed = new Random().nextLong();
        try (TestingServer zookeeper = new TestingServer(true)) {
            FaultInjectingDevice origin = new FaultInjectingDevice(ORIGIN);
            FaultInjectingDevice store = new FaultInjectingDevice(4 << 20);
            SharedExceptionStore.format(store, CHUNK, ORIGIN);
            Path journal = dir.resolve("rollback.journal");
            Node[] nodes = {new Node(zookeeper, "a", origin, store, journal),
                new Node(zookeeper, "b", origin, store, journal)};
            try {
                run(new Random(seed), nodes);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            } finally {
                nodes[1].close();
                nodes[0].close();
            }
            CheckReport report = StoreChecker.check(SharedExceptionStore.open(store, 1 << 20), done -> { });
            assertTrue(report.clean(), "seed " + seed + ": check: " + report.problems());
        }
    }

    private static void run(Random random, Node[] nodes) throws Exception {
        VolumeModel model = new VolumeModel(ORIGIN);
        int created = 0;
        Node node = nodes[0];
        List<String> deleted = new ArrayList<>();
        for (int op = 0; op < 160; op++) {
            if (random.nextInt(100) < 20) {
                node = nodes[random.nextInt(2)];
            }
            int dice = random.nextInt(100);
            List<String> names = new ArrayList<>(model.snapshots.keySet());
            String rolling = rolling(node.core);
            if (dice < 6 && names.size() < 6 && rolling == null) {
                String name = "s" + created++;
                node.core.createSnapshot(name);
                model.snapshot(name);
            } else if (dice < 9 && !names.isEmpty()) {
                String name = names.get(random.nextInt(names.size()));
                if (!name.equals(rolling)) {
                    node.core.deleteSnapshot(name);
                    model.snapshots.remove(name);
                    deleted.add(name);
                }
            } else if (dice < 11 && !names.isEmpty() && rolling == null) {
                String name = names.get(random.nextInt(names.size()));
                node.core.rollback(name);
                model.rollback(name);
            } else {
                String lun = random.nextInt(3) == 0 || names.isEmpty() ? null : names.get(random.nextInt(names.size()));
                int blocks = 1 + random.nextInt(16);
                long offset = 512L * random.nextInt(ORIGIN / 512 - blocks + 1);
                int length = blocks * 512;
                if (dice < 60 && !(lun != null && lun.equals(rolling))) {
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    SnapshotCoreModelTest.write(node.lun(lun), offset, data);
                    model.write(lun, offset, data);
                } else {
                    assertArrayEquals(model.read(lun, offset, length),
                            SnapshotCoreModelTest.read(node.lun(lun), offset, length),
                            "op " + op + " on " + node.cluster.nodeName() + ": "
                                    + (lun == null ? "origin" : "snapshot " + lun) + " at " + offset + " +" + length);
                }
            }
        }
        for (Node each : nodes) {
            for (String name : model.snapshots.keySet()) {
                assertArrayEquals(model.lun(name), SnapshotCoreModelTest.read(each.lun(name), 0, ORIGIN),
                        "whole snapshot " + name + " on " + each.cluster.nodeName());
            }
            assertArrayEquals(model.origin, SnapshotCoreModelTest.read(each.lun(null), 0, ORIGIN),
                    "whole origin on " + each.cluster.nodeName());
        }
        for (Node each : nodes) {
            assertTrue(each.core.lockStatus().handovers() > 0, each.cluster.nodeName() + " never handed the lock over");
        }
        Node last = nodes[1];
        assertTrue(last.core.lockStatus().held() && last.core.lockStatus().generation() > 0);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!last.core.backgroundWork().isEmpty() || rolling(last.core) != null) {
            assertTrue(System.nanoTime() < deadline, "background work still running: " + last.core.backgroundWork());
            Thread.sleep(20);
        }
        for (String name : deleted) {
            assertTrue(last.core.snapshots().stream().noneMatch(s -> s.name().equals(name)),
                    name + " forgotten after background delete");
        }
    }

    private static String rolling(SnapshotCore core) throws IOException {
        return core.snapshots().stream().filter(s -> s.state() == SnapshotStatus.State.ROLLING_BACK).map(SnapshotStatus::name)
                .findFirst().orElse(null);
    }
}
