package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.CheckReport;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;

/**
 * Power cuts during background delete: after remounting, the walk resumes
 * from the cursor in the commit block, the deleted snapshots are forgotten,
 * every chunk they owned is free again, and the surviving snapshot reads
 * what it read before.
 */
class BackgroundDeleteCrashTest {

    private static final int CHUNK = 4096;
    private static final int ORIGIN = 512 * CHUNK;

    @TempDir
    Path dir;

    @Test
    void anInterruptedWalkResumesAndReclaimsEverything() throws Exception {
        SeededTrials.run("background delete crash trial", 25, this::runTrial);
    }

    private void runTrial(long seed) throws Exception {
        Random random = new Random(seed);
        FaultInjectingDevice origin = new FaultInjectingDevice(ORIGIN);
        FaultInjectingDevice store = new FaultInjectingDevice(16 << 20);
        SharedExceptionStore.format(store, CHUNK, ORIGIN);
        Path journal = dir.resolve("journal-" + seed);
        SnapshotCore core = new SnapshotCore("del", 1, origin, SharedExceptionStore.open(store, 1 << 20), journal);
        byte[] kept = null;
        for (int round = 0; round < 4; round++) {
            core.createSnapshot("s" + round);
            byte[] data = new byte[ORIGIN];
            random.nextBytes(data);
            core.origin().write(0, ByteBuffer.wrap(data)); // every chunk copied for s<round>
            if (round == 1) {
                kept = new byte[ORIGIN];
                core.servedSnapshots().get("s1").read(0, ByteBuffer.wrap(kept));
            }
        }
        core.origin().flush();
        long usedBefore = core.storeSpace().usedBytes();
        store.failAfterWrites(random.nextInt(200)); // the power goes somewhere in the walk
        List<String> acknowledged = new java.util.ArrayList<>();
        try {
            for (String name : List.of("s0", "s2", "s3")) {
                core.deleteSnapshot(name);
                acknowledged.add(name);
            }
            Thread.sleep(random.nextInt(20));
        } catch (java.io.IOException powerCut) {
            // the cut came during a delete's own commit: that delete may or may not have happened
        }
        FaultInjectingDevice storeAfter = store.powerCut(random, random.nextBoolean());
        FaultInjectingDevice originAfter = origin.powerCut(random, false);
        try {
            core.close();
        } catch (java.io.IOException abandoned) {
            // the old store refuses to commit after the cut
        }

        SnapshotCore resumed = new SnapshotCore("del", 1, originAfter, SharedExceptionStore.open(storeAfter, 1 << 20),
                journal);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!resumed.backgroundWork().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "background delete did not finish: " + resumed.backgroundWork());
            Thread.sleep(2);
        }
        List<String> left = resumed.snapshots().stream().map(SnapshotStatus::name).toList();
        assertTrue(left.contains("s1"), "s1 survives: " + left);
        assertTrue(left.stream().noneMatch(acknowledged::contains), "acknowledged deletes are done: " + left);
        if (acknowledged.size() == 3) {
            assertEquals(ORIGIN, resumed.snapshots().get(0).ownedBytes(), "s1 owns a copy of every chunk");
            assertTrue(resumed.storeSpace().usedBytes() < usedBefore, "deleting three of four snapshots freed space");
        }
        byte[] read = new byte[ORIGIN];
        resumed.servedSnapshots().get("s1").read(0, ByteBuffer.wrap(read));
        assertArrayEquals(kept, read, "the surviving snapshot");
        resumed.close();
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(storeAfter, 1 << 20), c -> { });
        assertTrue(report.clean(), "check: " + report.problems());
    }
}
