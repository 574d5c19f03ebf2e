package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.CheckReport;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;

/**
 * Power cuts in the middle of origin and snapshot writes: both devices lose
 * (or tear) a random part of what was not flushed. After remounting, the
 * store checks clean, and every block of every LUN holds what was there at
 * its LUN's last flush or a value written since: nothing flushed is lost,
 * no LUN shows another LUN's data.
 */
class SnapshotCrashTest {

    private static final int CHUNK = 4096;
    private static final int ORIGIN = 64 * CHUNK;
    private static final int BLOCK = 512;
    private static final int BLOCKS = ORIGIN / BLOCK;

    @TempDir
    Path dir;

    /** For each LUN (null: the origin) and block, the contents a crash may leave there. */
    private final Map<String, List<Set<String>>> allowed = new HashMap<>();

    @Test
    void everyLunKeepsItsFlushedDataAcrossPowerCuts() throws Exception {
        SeededTrials.run("crash trial", 60, seed -> runTrial(seed, seed % 2 == 0, MIXED));
    }

    /**
     * Mostly first writes to the origin after snapshots, deferred until their
     * copies' commit, with flushes between them (docs/SNAPSHOTS.md, "Deferred
     * origin writes"): cuts fall between a copy, its commit and the origin
     * write, and the caches lose any mix of what was not flushed.
     */
    @Test
    void deferredOriginWritesNeverReachTheOriginBeforeTheirCopies() throws Exception {
        SeededTrials.run("deferred-write crash trial", 60, seed -> runTrial(seed, seed % 2 == 0, FIRST_WRITES));
    }

    /**
     * Snapshots of snapshots (format 6), half the snapshots taken, and resets of a snapshot to its parent: cuts
     * fall between the copies a write to a snapshot makes for the snapshots below it, their commit and the write.
     */
    @Test
    void aTreeOfSnapshotsKeepsEveryLunsFlushedDataAcrossPowerCuts() throws Exception {
        SeededTrials.run("tree crash trial", 60, seed -> runTrial(seed, seed % 2 == 0, TREE));
    }

    /**
     * Percentages of the operations: snapshot, flush, snapshot LUN written, zeros or unmap; the rest origin
     * writes. {@code tree}: half the snapshots are taken of a snapshot.
     */
    private record Mix(int snapshot, int flush, int snapshotWrite, int zeros, boolean tree) {
    }

    private static final Mix MIXED = new Mix(5, 10, 33, 25, false);
    private static final Mix FIRST_WRITES = new Mix(8, 15, 5, 5, false);
    private static final Mix TREE = new Mix(8, 10, 50, 20, true);

    private void runTrial(long seed, boolean tear, Mix mix) throws Exception {
        Random random = new Random(seed);
        allowed.clear();
        FaultInjectingDevice origin = new FaultInjectingDevice(ORIGIN);
        FaultInjectingDevice store = new FaultInjectingDevice(2 << 20);
        SharedExceptionStore.format(store, CHUNK, ORIGIN);
        Path journal = dir.resolve("journal-" + seed);
        SnapshotCore core = new SnapshotCore("crash", 7, origin, SharedExceptionStore.open(store, 1 << 20), journal);
        VolumeModel model = new VolumeModel(ORIGIN);
        track(null, model.origin);
        int operations = 50 + random.nextInt(250);
        // The power goes when one device (chosen at random) reaches a random write count, or after the workload.
        (random.nextBoolean() ? store : origin).failAfterWrites(random.nextInt(2 * operations));
        try {
            workload(random, core, model, operations, mix);
        } catch (IOException powerCut) {
            // an operation was cut short; its blocks may hold old or new data
        }
        FaultInjectingDevice originAfter = origin.powerCut(random, tear);
        FaultInjectingDevice storeAfter = store.powerCut(random, tear);
        try {
            core.close(); // writes after the cut reach only the abandoned devices
        } catch (IOException failedAfterTheCut) {
            // the abandoned devices refuse to flush
        }

        CheckReport report = StoreChecker.check(SharedExceptionStore.open(storeAfter, 1 << 20), c -> { });
        assertTrue(report.clean(), "check after the power cut: " + report.problems());
        SnapshotCore recovered = new SnapshotCore("crash", 7, originAfter, SharedExceptionStore.open(storeAfter,
                1 << 20), journal);
        for (String lun : allowed.keySet()) {
            ByteBuffer contents = ByteBuffer.allocate(ORIGIN);
            unit(recovered, lun).read(0, contents);
            for (int b = 0; b < BLOCKS; b++) {
                if (!allowed.get(lun).get(b).contains(block(contents.array(), b * BLOCK))) {
                    fail((lun == null ? "origin" : "snapshot " + lun) + " block " + b
                            + " holds data that was never written there or was flushed over");
                }
            }
        }
        recovered.close();
    }

    private void workload(Random random, SnapshotCore core, VolumeModel model, int operations, Mix mix)
            throws IOException, SnapshotException {
        for (int op = 0; op < operations; op++) {
            int dice = random.nextInt(100);
            List<String> names = new ArrayList<>(model.snapshots.keySet());
            if (dice < mix.snapshot() && mix.tree() && !names.isEmpty() && random.nextInt(3) == 0) {
                String name = names.get(random.nextInt(names.size()));
                core.resetSnapshot(name); // one commit: the parent's data so far is durable with it
                model.reset(name);
                track(name, model.lun(name));
            } else if (dice < mix.snapshot() && names.size() < 6 && mix.tree() && !names.isEmpty()
                    && random.nextBoolean()) {
                String name = "s" + op;
                String parent = names.get(random.nextInt(names.size()));
                core.createSnapshotOf(name, parent); // commits: flushes the store, where the parent's data is
                model.snapshotOf(name, parent);
                track(name, model.lun(name));
            } else if (dice < mix.snapshot() && names.size() < 6) {
                String name = "s" + op;
                core.createSnapshot(name); // flushes the origin first
                model.snapshot(name);
                track(null, model.origin);
                track(name, model.origin);
            } else if (dice < mix.snapshot() + mix.flush()) {
                String lun = names.isEmpty() || random.nextBoolean() ? null : names.get(random.nextInt(names.size()));
                unit(core, lun).flush();
                track(lun, model.lun(lun));
            } else {
                boolean toSnapshot = !names.isEmpty() && random.nextInt(100) < mix.snapshotWrite();
                String lun = toSnapshot ? names.get(random.nextInt(names.size())) : null;
                int blocks = 1 + random.nextInt(24);
                int first = random.nextInt(BLOCKS - blocks + 1);
                byte[] data = new byte[blocks * BLOCK];
                // Origin: WRITE SAME with UNMAP (copy, deallocate); a snapshot: UNMAP (unmapped ranges, zeroed ends).
                boolean zeros = random.nextInt(100) < mix.zeros();
                if (!zeros) {
                    random.nextBytes(data);
                }
                for (int b = 0; b < blocks; b++) {
                    allowed.get(lun).get(first + b).add(block(data, b * BLOCK));
                }
                if (zeros && lun == null) {
                    core.origin().writeZeros((long) first * BLOCK, data.length);
                } else if (zeros) {
                    unit(core, lun).unmap((long) first * BLOCK, data.length);
                } else {
                    unit(core, lun).write((long) first * BLOCK, ByteBuffer.wrap(data));
                }
                model.write(lun, (long) first * BLOCK, data);
            }
        }
    }

    private static LogicalUnit unit(SnapshotCore core, String lun) throws IOException {
        return lun == null ? core.origin() : core.servedSnapshots().get(lun);
    }

    /** After a flush (or a snapshot), each block of the LUN may only hold its current content. */
    private void track(String lun, byte[] contents) {
        List<Set<String>> blocks = new ArrayList<>();
        for (int b = 0; b < BLOCKS; b++) {
            Set<String> values = new HashSet<>();
            values.add(block(contents, b * BLOCK));
            blocks.add(values);
        }
        allowed.put(lun, blocks);
    }

    private static String block(byte[] data, int offset) {
        return Arrays.toString(Arrays.copyOfRange(data, offset, offset + 16)) + Arrays.hashCode(
                Arrays.copyOfRange(data, offset, offset + BLOCK));
    }

}
