package org.snapshare.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.store.SharedExceptionStore;

/**
 * Issue 14, goal 4: does a volume with many snapshots cost more per write?
 * Side by side in one run, on real files: a volume with 1 snapshot and one
 * with N snapshots taken between small random writes. For each: a full
 * overwrite in 1 MiB writes (every chunk copied once), snapshot writes
 * (4 KiB, random, into a snapshot taken after it: each asks which snapshots
 * are live), and the server time of
 * `snapshot create` and `snapshot list` (in process: no CLI, no socket).
 * One warm-up round, then the median of the rounds. Not a test: run it with
 * bench/many-snapshots-bench.sh.
 */
public final class ManySnapshotsBench {

    private static final int CHUNK = 64 << 10;
    private static final long VOLUME = 256L << 20;
    private static final int SNAPSHOT_WRITES = 2000;

    private ManySnapshotsBench() {
    }

    private record Round(double overwriteSeconds, double snapshotWritesPerSecond, double createMillis,
            double listMillis) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        int many = Integer.parseInt(args[1]);
        Path dir = Files.createTempDirectory(Path.of(args[2]), "many-snapshots-bench");
        List<Round> one = new ArrayList<>();
        List<Round> lots = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            Round a = run(dir, 1);
            Round b = run(dir, many);
            if (round > 0) { // round 0 warms the JIT and the file system up
                one.add(a);
                lots.add(b);
            }
        }
        Files.delete(dir);
        System.out.printf("%d MiB volume, %d KiB chunks, median of %d rounds after a warm-up%n%n", VOLUME >> 20,
                CHUNK >> 10, rounds);
        System.out.printf("%-40s %12s %12s %8s   %s%n", "figure", "1 snapshot", many + " snapshots", "ratio",
                "goal");
        row("full overwrite, s (1 MiB writes)", one, lots, Round::overwriteSeconds, "<= 1.3");
        row("snapshot writes/s (4 KiB random)", one, lots, Round::snapshotWritesPerSecond, ">= 0.9 (flat)");
        row("snapshot create, ms of server time", one, lots, Round::createMillis, "< 100 ms at " + many);
        row("snapshot list, ms of server time", one, lots, Round::listMillis, "< 100 ms at " + many);
    }

    private static void row(String name, List<Round> one, List<Round> lots, ToDoubleFunction<Round> figure,
            String goal) {
        double a = Medians.of(one, figure);
        double b = Medians.of(lots, figure);
        System.out.printf("%-40s %12.2f %12.2f %8.2f   %s%n", name, a, b, b / a, goal);
    }

    private static Round run(Path dir, int snapshots) throws IOException, SnapshotException {
        Path originFile = dir.resolve("origin.img");
        Path storeFile = dir.resolve("store.img");
        try (SnapshotCore core = new SnapshotCore("bench", 1, FileBlockDevice.createSparse(originFile, VOLUME),
                formatted(storeFile, snapshots), dir.resolve("journal"))) {
            LogicalUnit origin = core.origin();
            ByteBuffer big = ByteBuffer.allocate(1 << 20);
            BenchVolumes.overwrite(origin, big, VOLUME); // the origin holds data: copies are real reads and writes
            Random random = new Random(snapshots);
            ByteBuffer small = ByteBuffer.allocate(4096);
            for (int i = 1; i < snapshots; i++) { // taken between writes: entries of every id range
                origin.write((long) random.nextInt((int) (VOLUME / CHUNK)) * CHUNK, small.clear());
                core.createSnapshot("s" + i);
            }
            long start = System.nanoTime();
            core.createSnapshot("last");
            double createMillis = (System.nanoTime() - start) / 1e6;

            start = System.nanoTime();
            BenchVolumes.overwrite(origin, big, VOLUME);
            double overwriteSeconds = (System.nanoTime() - start) / 1e9;

            // Writes into a snapshot's chunks that it still reads from the origin: the same work (read the
            // chunk, write a copy, add one entry) whatever the count, but for asking which are live.
            core.createSnapshot("writable");
            LogicalUnit writable = core.servedSnapshots().get("writable");
            start = System.nanoTime();
            for (int i = 0; i < SNAPSHOT_WRITES; i++) {
                writable.write((long) random.nextInt((int) (VOLUME / 4096)) * 4096, small.clear());
            }
            writable.flush();
            double snapshotWrites = SNAPSHOT_WRITES / ((System.nanoTime() - start) / 1e9);
            start = System.nanoTime();
            int listed = core.snapshots().size();
            double listMillis = (System.nanoTime() - start) / 1e6;
            if (listed != snapshots + 1) {
                throw new IllegalStateException("listed " + listed + " snapshots, expected " + (snapshots + 1));
            }
            return new Round(overwriteSeconds, snapshotWrites, createMillis, listMillis);
        } finally {
            Files.deleteIfExists(originFile);
            Files.deleteIfExists(storeFile);
            Files.deleteIfExists(dir.resolve("journal"));
        }
    }

    private static SharedExceptionStore formatted(Path storeFile, int snapshots) throws IOException {
        // Room for two overwrites' copies and one copy per write taken between the snapshots.
        return BenchVolumes.formatted(storeFile, 3 * VOLUME + (long) snapshots * CHUNK, CHUNK, VOLUME);
    }
}
