package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * Power cuts while a clone copies its source and a client writes the clone
 * with flushes, before and while the copy runs, with a snapshot of the clone
 * taken before the writes: the disk keeps or loses each unflushed write (torn
 * or whole). After remounting, the copy resumes from its journal and ends
 * with the clone equal to the source except for the client's blocks (flushed
 * writes there, unflushed ones may or may not be); a resumed copy never
 * writes over a write made during it, and the clone's snapshot reads the source.
 */
class CloneFillCrashTest {

    private static final int CHUNK = 4096;
    private static final int SIZE = 256 * CHUNK;
    private static final int BLOCK = 512;

    @TempDir
    Path dir;

    @Test
    void aResumedCopyKeepsWritesMadeDuringItAndTheClonesSnapshot() throws Exception {
        SeededTrials.run("clone crash trial", 40, this::runTrial);
    }

    private void runTrial(long seed) throws Exception {
        Random random = new Random(seed);
        byte[] sourceContent = new byte[SIZE];
        random.nextBytes(sourceContent);
        Arrays.fill(sourceContent, 7 * CHUNK, 20 * CHUNK, (byte) 0); // chunks of zeros are not copied
        SnapshotCore source = sourceWithSnapshot(sourceContent);
        LogicalUnit sourceUnit = source.snapshotUnit("gold");

        FaultInjectingDevice origin = new FaultInjectingDevice(SIZE);
        FaultInjectingDevice store = new FaultInjectingDevice(8 << 20);
        SharedExceptionStore.format(store, CHUNK, SIZE);
        Path journal = dir.resolve("clone-" + seed);
        CloneFill.begin(journal, new CloneFill.Source("src", "gold", SIZE, "src@gold"));
        CloneFill fill = CloneFill.resume("c", origin, journal, CHUNK).orElseThrow();
        fill.attach(sourceUnit);
        SnapshotCore clone = new SnapshotCore("c", 2, fill.device(), SharedExceptionStore.open(store, 1 << 20),
                dir.resolve("rollback-" + seed));
        clone.createSnapshot("early");

        origin.failAfterWrites(random.nextInt(200)); // the power goes at some write of the origin from here on
        int startCopyAt = random.nextInt(100);
        Map<Integer, byte[]> flushed = new HashMap<>();
        Map<Integer, List<byte[]>> unflushed = new HashMap<>();
        try {
            for (int i = 0; i < 200; i++) {
                if (i == startCopyAt) {
                    fill.start(done -> { });
                }
                int block = random.nextInt(SIZE / BLOCK);
                byte[] data = new byte[BLOCK];
                random.nextBytes(data);
                unflushed.computeIfAbsent(block, b -> new ArrayList<>()).add(data);
                clone.origin().write((long) block * BLOCK, ByteBuffer.wrap(data));
                if (random.nextInt(4) == 0) {
                    clone.origin().flush();
                    unflushed.forEach((b, writes) -> flushed.put(b, writes.get(writes.size() - 1)));
                    unflushed.clear();
                }
            }
        } catch (IOException powerCut) {
            // the injected cut; the rest of the client's writes never happened
        }
        fill.stop();
        FaultInjectingDevice originAfter = origin.powerCut(random, random.nextBoolean());
        FaultInjectingDevice storeAfter = store.powerCut(random, random.nextBoolean());
        try {
            clone.close();
        } catch (IOException abandoned) {
            // the old devices refuse to flush
        }

        CloneFill resumed = CloneFill.resume("c", originAfter, journal, CHUNK).orElseThrow();
        SnapshotCore reopened = new SnapshotCore("c", 2, resumed.device(),
                SharedExceptionStore.open(storeAfter, 1 << 20), dir.resolve("rollback-" + seed));
        boolean[] told = new boolean[1];
        resumed.attach(sourceUnit);
        resumed.start(done -> told[0] = true);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!resumed.copied()) {
            assertTrue(System.nanoTime() < deadline && resumed.failure().isEmpty(), "the resumed copy did not finish: "
                    + resumed.failure());
            Thread.sleep(2);
        }
        resumed.stop();
        assertTrue(told[0], "the copy's end was told");
        ByteBuffer contents = ByteBuffer.allocate(SIZE);
        reopened.origin().read(0, contents);
        for (int block = 0; block < SIZE / BLOCK; block++) {
            byte[] actual = Arrays.copyOfRange(contents.array(), block * BLOCK, (block + 1) * BLOCK);
            byte[] copied = Arrays.copyOfRange(sourceContent, block * BLOCK, (block + 1) * BLOCK);
            byte[] durable = flushed.getOrDefault(block, copied);
            List<byte[]> maybe = unflushed.getOrDefault(block, List.of());
            if (!Arrays.equals(actual, durable) && maybe.stream().noneMatch(write -> Arrays.equals(actual, write))) {
                fail("block " + block + ": " + (flushed.containsKey(block) ? "a flushed write during the copy"
                        : "the source's data") + " is not there" + (maybe.isEmpty() ? ""
                        : " (nor one of the " + maybe.size() + " unflushed writes)"));
            }
        }
        ByteBuffer early = ByteBuffer.allocate(SIZE);
        reopened.snapshotUnit("early").read(0, early);
        assertArrayEquals(sourceContent, early.array(), "the clone's snapshot taken before the writes");
        resumed.forget();
        reopened.close();
        source.close();
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(storeAfter, 1 << 20), c -> { });
        assertTrue(report.clean(), "check: " + report.problems());
    }

    /** A volume whose snapshot "gold" holds {@code content}, its origin rewritten since. */
    private SnapshotCore sourceWithSnapshot(byte[] content) throws Exception {
        FaultInjectingDevice origin = new FaultInjectingDevice(SIZE);
        FaultInjectingDevice store = new FaultInjectingDevice(8 << 20);
        SharedExceptionStore.format(store, CHUNK, SIZE);
        SnapshotCore source = new SnapshotCore("src", 1, origin, SharedExceptionStore.open(store, 1 << 20),
                dir.resolve("source-rollback-" + System.nanoTime()));
        source.origin().write(0, ByteBuffer.wrap(content));
        source.createSnapshot("gold");
        source.origin().write(0, ByteBuffer.wrap(new byte[SIZE]));
        return source;
    }
}
