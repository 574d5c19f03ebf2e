package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.cluster.ZooKeeperCluster;

/**
 * ZooKeeper goes away under a clustered volume: safety first. Within the
 * lease the node stops changing anything and answers "retry" (never a medium
 * error, never a write made without the lock); when the ensemble is back it
 * takes the lock again and serves, with nothing lost.
 */
class ZooKeeperOutageTest {

    private static final int CHUNK = 4096;
    private static final int SIZE = 64 * CHUNK;

    @TempDir
    Path dir;

    private static byte[] filled(int value) {
        byte[] bytes = new byte[CHUNK];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void withoutZooKeeperNothingChangesAndCommandsAskForARetryThenServiceResumes() throws Exception {
        InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 500, -1);
        TestingServer zookeeper = new TestingServer(spec, true);
        FaultInjectingDevice origin = new FaultInjectingDevice(SIZE);
        FaultInjectingDevice store = new FaultInjectingDevice(2 << 20);
        SharedExceptionStore.format(store, CHUNK, SIZE);
        try (ZooKeeperCluster cluster = ZooKeeperCluster.connect(zookeeper.getConnectString(), "a",
                Duration.ofSeconds(3), Duration.ofSeconds(10));
                SnapshotCore core = new SnapshotCore("vol", 1, origin, SharedExceptionStore.open(store, 1 << 20),
                        dir.resolve("journal"), cluster.lockFor("vol"), Duration.ofSeconds(2))) {
            LogicalUnit lun = core.origin();
            lun.write(0, ByteBuffer.wrap(filled(0x11)));
            core.createSnapshot("s1");
            lun.flush();

            zookeeper.stop();
            IOException refused = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (refused == null && System.nanoTime() < deadline) {
                try {
                    lun.write(CHUNK, ByteBuffer.wrap(filled(0x22)));
                    Thread.sleep(100);
                } catch (IOException e) {
                    refused = e;
                }
            }
            assertTrue(refused instanceof UnitUnavailableException, "without ZooKeeper a write must be refused as"
                    + " retryable, got " + refused);
            byte[] before = store.contents();
            for (int i = 0; i < 2; i++) {
                try {
                    lun.write(2L * CHUNK, ByteBuffer.wrap(filled(0x33)));
                } catch (UnitUnavailableException expected) {
                    // retry later
                }
            }
            assertTrue(Arrays.equals(before, store.contents()), "the store changed without the lock");

            zookeeper.restart();
            boolean served = false;
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!served && System.nanoTime() < deadline) {
                try {
                    lun.write(3L * CHUNK, ByteBuffer.wrap(filled(0x44)));
                    served = true;
                } catch (UnitUnavailableException notYet) {
                    Thread.sleep(200);
                }
            }
            assertTrue(served, "the volume was not served again after ZooKeeper came back");
            byte[] back = new byte[CHUNK];
            lun.read(0, ByteBuffer.wrap(back));
            assertArrayEquals(filled(0x11), back);
            LogicalUnit s1 = core.servedSnapshots().get("s1");
            s1.read(3L * CHUNK, ByteBuffer.wrap(back));
            assertArrayEquals(new byte[CHUNK], back, "the snapshot kept the old (zero) chunk");
            lun.read(3L * CHUNK, ByteBuffer.wrap(back));
            assertArrayEquals(filled(0x44), back);
        } finally {
            zookeeper.close();
        }
    }
}
