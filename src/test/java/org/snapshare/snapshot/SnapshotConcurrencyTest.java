package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.store.CheckReport;

/**
 * Several threads on one volume at once: origin writers, writers on one
 * snapshot, and readers of another snapshot that must never see a byte
 * change, while snapshots are taken and deleted under them.
 */
class SnapshotConcurrencyTest {

    private static final int CHUNK = SnapshotCoreModelTest.CHUNK;
    private static final int SIZE = 128 * CHUNK;

    @TempDir
    Path dir;

    @Test
    void readersOfASnapshotNeverSeeConcurrentWrites() throws Exception {
        SnapshotCoreModelTest.TestVolume volume = new SnapshotCoreModelTest.TestVolume(SIZE, 8 << 20,
                dir.resolve("journal"));
        byte[] before = new byte[SIZE];
        new Random(1).nextBytes(before);
        SnapshotCoreModelTest.write(volume.core.origin(), 0, before);
        volume.core.createSnapshot("frozen");
        volume.core.createSnapshot("scratch");
        LogicalUnit frozen = volume.core.servedSnapshots().get("frozen");
        LogicalUnit scratch = volume.core.servedSnapshots().get("scratch");

        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<Integer>> tasks = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            long seed = t;
            tasks.add(pool.submit(() -> randomWrites(volume.core.origin(), seed, 400)));
            tasks.add(pool.submit(() -> randomWrites(scratch, seed + 10, 400)));
            tasks.add(pool.submit(() -> {
                Random random = new Random(seed + 20);
                for (int i = 0; i < 400; i++) {
                    int offset = 512 * random.nextInt(SIZE / 512 - 64);
                    int length = 512 * (1 + random.nextInt(64));
                    assertArrayEquals(Arrays.copyOfRange(before, offset, offset + length),
                            SnapshotCoreModelTest.read(frozen, offset, length), "frozen snapshot at " + offset);
                }
                return 400;
            }));
        }
        for (int i = 0; i < 20; i++) {
            volume.core.createSnapshot("extra" + i);
            if (i % 2 == 1) {
                volume.core.deleteSnapshot("extra" + (i - 1));
            }
        }
        int done = 0;
        for (Future<Integer> task : tasks) {
            done += task.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(2400, done);
        assertArrayEquals(before, SnapshotCoreModelTest.read(frozen, 0, SIZE), "frozen snapshot after the storm");
        volume.awaitIdle();
        volume.core.close();
        CheckReport report = volume.check();
        assertTrue(report.clean(), "check: " + report.problems());
    }

    /** Threads increment a counter block with COMPARE AND WRITE: no increment may be lost, on the origin or a snapshot. */
    @Test
    void compareAndWriteNeverLosesAnUpdate() throws Exception {
        SnapshotCoreModelTest.TestVolume volume = new SnapshotCoreModelTest.TestVolume(SIZE, 8 << 20,
                dir.resolve("journal-caw"));
        volume.core.createSnapshot("s");
        for (LogicalUnit lun : List.of(volume.core.origin(), volume.core.servedSnapshots().get("s"))) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(pool.submit(() -> {
                    int won = 0;
                    for (int i = 0; i < 300; i++) {
                        byte[] current = SnapshotCoreModelTest.read(lun, 4096, 512);
                        byte[] next = current.clone();
                        ByteBuffer.wrap(next).putLong(0, ByteBuffer.wrap(current).getLong(0) + 1);
                        if (lun.compareAndWrite(4096, ByteBuffer.wrap(current), ByteBuffer.wrap(next)) < 0) {
                            won++;
                        }
                    }
                    return won;
                }));
            }
            int total = 0;
            for (Future<Integer> worker : workers) {
                total += worker.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(total > 0, "some compare-and-writes succeed");
            assertEquals(total, ByteBuffer.wrap(SnapshotCoreModelTest.read(lun, 4096, 512)).getLong(0),
                    "every successful compare-and-write counted exactly once");
        }
        volume.core.close();
    }

    private static int randomWrites(LogicalUnit lun, long seed, int count) throws Exception {
        Random random = new Random(seed);
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[512 * (1 + random.nextInt(48))];
            random.nextBytes(data);
            lun.write(512L * random.nextInt(SIZE / 512 - data.length / 512 + 1), ByteBuffer.wrap(data));
        }
        return count;
    }
}
