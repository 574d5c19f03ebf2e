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
 * Issue 31: does the shape of a tree of snapshots change what an origin write
 * costs? Side by side in one run, on real files: a volume with 1 snapshot, one
 * with a chain of N (each taken of the one before) and one with N siblings
 * (each taken of the origin), every snapshot taken between small origin
 * writes and written once itself (so entries of many ranges exist). Then a
 * whole first overwrite of the origin in 1 MiB writes (each chunk copied once
 * per range of ids that reads the origin) and 4 KiB random first writes to the
 * last snapshot. One warm-up round, then the median of the rounds. Not a
 * test: run it with bench/snapshot-tree-bench.sh.
 */
public final class SnapshotTreeBench {

    private static final int CHUNK = 64 << 10;
    private static final long VOLUME = 256L << 20;
    private static final int SNAPSHOT_WRITES = 1000;

    private SnapshotTreeBench() {
    }

    private enum Shape { ONE, CHAIN, SIBLINGS }

    private record Round(double overwriteSeconds, double snapshotWritesPerSecond, long copies) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        Path dir = Files.createTempDirectory(Path.of(args[2]), "snapshot-tree-bench");
        List<Round> one = new ArrayList<>();
        List<Round> chain = new ArrayList<>();
        List<Round> siblings = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            Round a = run(dir, Shape.ONE, count);
            Round b = run(dir, Shape.CHAIN, count);
            Round c = run(dir, Shape.SIBLINGS, count);
            if (round > 0) { // round 0 warms the JIT and the file system up
                one.add(a);
                chain.add(b);
                siblings.add(c);
            }
        }
        Files.delete(dir);
        System.out.printf("%d MiB volume, %d KiB chunks, %d snapshots, median of %d rounds after a warm-up%n%n",
                VOLUME >> 20, CHUNK >> 10, count, rounds);
        System.out.printf("%-36s %10s %10s %10s %8s %8s   %s%n", "figure", "1", "chain", "siblings", "chain/1",
                "sibl./1", "goal");
        row("whole first overwrite, s", one, chain, siblings, Round::overwriteSeconds, "<= 1.3 (flat)");
        row("4K first writes to a snapshot/s", one, chain, siblings, Round::snapshotWritesPerSecond,
                ">= 0.8 (flat)");
        row("chunks copied by the overwrite", one, chain, siblings, r -> r.copies, "= 1.00 (one per range)");
    }

    private static void row(String name, List<Round> one, List<Round> chain, List<Round> siblings,
            ToDoubleFunction<Round> figure, String goal) {
        double a = Medians.of(one, figure);
        double b = Medians.of(chain, figure);
        double c = Medians.of(siblings, figure);
        System.out.printf("%-36s %10.2f %10.2f %10.2f %8.2f %8.2f   %s%n", name, a, b, c, b / a, c / a, goal);
    }

    private static Round run(Path dir, Shape shape, int count) throws IOException, SnapshotException {
        Path originFile = dir.resolve("origin.img");
        Path storeFile = dir.resolve("store.img");
        try (SnapshotCore core = new SnapshotCore("bench", 1, FileBlockDevice.createSparse(originFile, VOLUME),
                formatted(storeFile, count), dir.resolve("journal"))) {
            LogicalUnit origin = core.origin();
            ByteBuffer big = ByteBuffer.allocate(1 << 20);
            BenchVolumes.overwrite(origin, big, VOLUME); // the origin holds data: copies are real reads and writes
            Random random = new Random(count);
            ByteBuffer small = ByteBuffer.allocate(4096);
            int snapshots = shape == Shape.ONE ? 1 : count;
            String last = null;
            for (int i = 0; i < snapshots; i++) {
                origin.write(randomChunk(random) * CHUNK, small.clear());
                String name = "s" + i;
                if (shape == Shape.CHAIN && last != null) {
                    core.createSnapshotOf(name, last);
                } else {
                    core.createSnapshot(name);
                }
                core.servedSnapshots().get(name).write(randomChunk(random) * CHUNK, small.clear());
                last = name;
            }
            long copiesBefore = core.copiedChunks();
            long start = System.nanoTime();
            BenchVolumes.overwrite(origin, big, VOLUME);
            double overwriteSeconds = (System.nanoTime() - start) / 1e9;
            long copies = core.copiedChunks() - copiesBefore;

            LogicalUnit writable = core.servedSnapshots().get(last);
            start = System.nanoTime();
            for (int i = 0; i < SNAPSHOT_WRITES; i++) {
                writable.write((long) random.nextInt((int) (VOLUME / 4096)) * 4096, small.clear());
            }
            writable.flush();
            double snapshotWrites = SNAPSHOT_WRITES / ((System.nanoTime() - start) / 1e9);
            return new Round(overwriteSeconds, snapshotWrites, copies);
        } finally {
            Files.deleteIfExists(originFile);
            Files.deleteIfExists(storeFile);
            Files.deleteIfExists(dir.resolve("journal"));
        }
    }

    private static long randomChunk(Random random) {
        return random.nextInt((int) (VOLUME / CHUNK));
    }

    private static SharedExceptionStore formatted(Path storeFile, int snapshots) throws IOException {
        // Room for two overwrites' copies, the snapshot writes, and copies made between the snapshots.
        return BenchVolumes.formatted(storeFile, 3 * VOLUME + 4L * snapshots * CHUNK
                + (long) SNAPSHOT_WRITES * CHUNK, CHUNK, VOLUME);
    }
}
