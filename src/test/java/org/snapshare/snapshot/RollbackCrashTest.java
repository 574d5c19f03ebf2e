package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.CheckReport;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;

/**
 * Power cuts while a rollback runs and a client writes the origin with
 * flushes: after remounting, the rollback resumes from its journal and ends
 * with the origin equal to the snapshot, except for the blocks the client
 * wrote: flushed writes are there, unflushed ones may or may not be. A
 * resumed rollback must never roll back over a write made during it.
 */
class RollbackCrashTest {

    private static final int CHUNK = 4096;
    private static final int ORIGIN = 256 * CHUNK;
    private static final int BLOCK = 512;

    @TempDir
    Path dir;

    @Test
    void aResumedRollbackKeepsWritesMadeDuringIt() throws Exception {
        SeededTrials.run("rollback crash trial", 40, this::runTrial);
    }

    private void runTrial(long seed) throws Exception {
        Random random = new Random(seed);
        FaultInjectingDevice origin = new FaultInjectingDevice(ORIGIN);
        FaultInjectingDevice store = new FaultInjectingDevice(8 << 20);
        SharedExceptionStore.format(store, CHUNK, ORIGIN);
        Path journal = dir.resolve("journal-" + seed);
        SnapshotCore core = new SnapshotCore("rb", 1, origin, SharedExceptionStore.open(store, 1 << 20), journal);
        byte[] snapshotContent = new byte[ORIGIN];
        random.nextBytes(snapshotContent);
        core.origin().write(0, ByteBuffer.wrap(snapshotContent));
        core.createSnapshot("good");
        byte[] later = new byte[ORIGIN];
        random.nextBytes(later);
        core.origin().write(0, ByteBuffer.wrap(later));
        core.origin().flush();

        origin.failAfterWrites(random.nextInt(300)); // the power goes at some origin write from here on
        core.rollback("good");
        Map<Integer, byte[]> flushed = new HashMap<>();   // block -> content a flush acknowledged
        // block -> every content written since the last flush: each write survives a cut or not on its own
        Map<Integer, List<byte[]>> unflushed = new HashMap<>();
        try {
            for (int i = 0; i < 200; i++) {
                int block = random.nextInt(ORIGIN / BLOCK);
                byte[] data = new byte[BLOCK];
                random.nextBytes(data);
                unflushed.computeIfAbsent(block, b -> new ArrayList<>()).add(data);
                core.origin().write((long) block * BLOCK, ByteBuffer.wrap(data));
                if (random.nextInt(4) == 0) {
                    core.origin().flush();
                    unflushed.forEach((b, writes) -> flushed.put(b, writes.get(writes.size() - 1)));
                    unflushed.clear();
                }
            }
        } catch (IOException powerCut) {
            // the injected cut; the rest of the client's writes never happened
        }
        FaultInjectingDevice originAfter = origin.powerCut(random, random.nextBoolean());
        FaultInjectingDevice storeAfter = store.powerCut(random, random.nextBoolean());
        try {
            core.close();
        } catch (IOException abandoned) {
            // the old devices refuse to flush
        }

        SnapshotCore resumed = new SnapshotCore("rb", 1, originAfter, SharedExceptionStore.open(storeAfter, 1 << 20),
                journal);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (resumed.rollingBack()) {
            assertTrue(System.nanoTime() < deadline, "resumed rollback did not finish");
            Thread.sleep(2);
        }
        ByteBuffer contents = ByteBuffer.allocate(ORIGIN);
        resumed.origin().read(0, contents);
        for (int block = 0; block < ORIGIN / BLOCK; block++) {
            byte[] actual = Arrays.copyOfRange(contents.array(), block * BLOCK, (block + 1) * BLOCK);
            byte[] rolledBack = Arrays.copyOfRange(snapshotContent, block * BLOCK, (block + 1) * BLOCK);
            byte[] durable = flushed.getOrDefault(block, rolledBack);
            List<byte[]> maybe = unflushed.getOrDefault(block, List.of());
            if (!Arrays.equals(actual, durable) && maybe.stream().noneMatch(write -> Arrays.equals(actual, write))) {
                fail("block " + block + ": " + (flushed.containsKey(block) ? "a flushed write during the rollback"
                        : "the snapshot's data") + " is not there" + (maybe.isEmpty() ? ""
                        : " (nor one of the " + maybe.size() + " unflushed writes)"));
            }
        }
        ByteBuffer snapshot = ByteBuffer.allocate(ORIGIN);
        resumed.servedSnapshots().get("good").read(0, snapshot);
        assertTrue(Arrays.equals(snapshotContent, snapshot.array()), "the snapshot kept its content");
        resumed.close();
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(storeAfter, 1 << 20), c -> { });
        assertTrue(report.clean(), "check: " + report.problems());
    }
}
