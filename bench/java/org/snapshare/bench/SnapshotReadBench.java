package org.snapshare.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.store.SharedExceptionStore;

/**
 * Issue 29, goal 3 (reads), in process (no iSCSI, no client: the server's own cost per read): scattered 4 KiB
 * reads (stride 68 KiB, each in another 64 KiB chunk) of a snapshot whose every chunk is a checksummed copy,
 * against the same reads of the origin, on real files, side by side in each round; then the same with the
 * snapshot's first read of each chunk (none checked yet). One warm-up round, median of the rounds. Not a test:
 * run it with bench/snapshot-read-bench.sh, which also measures over iSCSI.
 */
public final class SnapshotReadBench {

    private static final int CHUNK = 64 << 10;
    private static final long VOLUME = 256L << 20;
    private static final int STRIDE = 68 << 10;

    private SnapshotReadBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        Path dir = Files.createTempDirectory(Path.of(args[1]), "snapshot-read-bench");
        List<Double> origin = new ArrayList<>();
        List<Double> checkedLately = new ArrayList<>();
        List<Double> firstReads = new ArrayList<>();
        try {
            for (int round = 0; round <= rounds; round++) {
                double[] rates = run(dir, round);
                if (round > 0) { // round 0 warms the JIT and the page cache up
                    origin.add(rates[0]);
                    firstReads.add(rates[1]);
                    checkedLately.add(rates[2]);
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
        double o = Medians.of(origin, x -> x);
        System.out.printf("in process, one thread, %d MiB volume, %d KiB chunks, median of %d rounds%n", VOLUME >> 20,
                CHUNK >> 10, rounds);
        System.out.printf("%-52s %12s %8s   %s%n", "scattered 4 KiB reads (stride 68 KiB)", "reads/s", "ratio", "goal");
        System.out.printf("%-52s %12.0f %8s%n", "origin", o, "-");
        System.out.printf("%-52s %12.0f %8.2f   %s%n", "snapshot, each chunk's first read (checked whole)",
                Medians.of(firstReads, x -> x), Medians.of(firstReads, x -> x) / o, "-");
        System.out.printf("%-52s %12.0f %8.2f   %s%n", "snapshot, chunks checked lately",
                Medians.of(checkedLately, x -> x), Medians.of(checkedLately, x -> x) / o, ">= 0.8");
    }

    /** Reads/s of the origin, of the snapshot's first reads, of the snapshot's reads again. */
    private static double[] run(Path dir, int round) throws Exception {
        FileBlockDevice store = FileBlockDevice.createSparse(dir.resolve("store.img"), 3 * VOLUME);
        SharedExceptionStore.format(store, CHUNK, VOLUME);
        try (SnapshotCore core = new SnapshotCore("bench", 1,
                FileBlockDevice.createSparse(dir.resolve("origin.img"), VOLUME),
                SharedExceptionStore.open(store, SharedExceptionStore.DEFAULT_CACHE_BYTES), dir.resolve("journal"))) {
            overwrite(core.origin(), round * 2L);
            core.createSnapshot("s");
            overwrite(core.origin(), round * 2L + 1); // every chunk copied, with its checksum
            LogicalUnit snapshot = core.servedSnapshots().get("s");
            double origin = scatteredReads(core.origin());
            double first = scatteredReads(snapshot);
            double again = scatteredReads(snapshot);
            return new double[] {origin, first, again};
        } finally {
            Files.deleteIfExists(dir.resolve("store.img"));
            Files.deleteIfExists(dir.resolve("origin.img"));
            Files.deleteIfExists(dir.resolve("journal"));
        }
    }

    private static double scatteredReads(LogicalUnit unit) throws IOException {
        ByteBuffer piece = ByteBuffer.allocate(4096);
        long reads = 0;
        long start = System.nanoTime();
        for (long offset = 0; offset + piece.capacity() <= VOLUME; offset += STRIDE) {
            unit.read(offset, piece.clear());
            reads++;
        }
        return reads / ((System.nanoTime() - start) / 1e9);
    }

    private static void overwrite(LogicalUnit unit, long seed) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        for (long offset = 0; offset < VOLUME; offset += buffer.capacity()) {
            for (int i = 0; i < buffer.capacity(); i += 8) {
                buffer.putLong(i, seed * 31 + offset + i); // not zeros, not the same twice
            }
            unit.write(offset, buffer.clear());
        }
        unit.flush();
    }
}
