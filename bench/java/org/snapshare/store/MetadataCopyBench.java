package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.snapshare.bench.Medians;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;

/**
 * One store format against another, side by side in one run on real files
 * (default: format 3, two copies of every metadata block, against format 2,
 * one copy; formats 5 against 4 show what one flush per commit gains): commits/s of
 * one-entry transactions, copy-on-write first writes (4 KiB, random, one copy
 * and commit each) and a first overwrite of a whole volume in 1 MiB writes;
 * then the scrub's read rate. One warm-up round, then the median of the
 * rounds. Not a test: run it with bench/metadata-copy-bench.sh.
 */
public final class MetadataCopyBench {

    private static final int CHUNK = 64 << 10;
    private static final long VOLUME = 256L << 20;
    private static final int COMMITS = 2000;
    private static final int RANDOM_WRITES = 2000;

    private MetadataCopyBench() {
    }

    private record Round(double commitsPerSecond, double cowWritesPerSecond, double overwriteMiBps,
            double scrubMiBps) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = Files.createTempDirectory(Path.of(args.length > 1 ? args[1] : "target"), "metadata-copy-bench");
        List<List<Round>> byFormat = List.of(new ArrayList<>(), new ArrayList<>());
        int[] formats = args.length > 2 ? java.util.Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt)
                .toArray() : new int[] {2, 3};
        for (int round = 0; round <= rounds; round++) {
            for (int f = 0; f < formats.length; f++) {
                Round result = run(dir, formats[f]);
                if (round > 0) { // round 0 warms the JIT and the file system up
                    byFormat.get(f).add(result);
                }
            }
        }
        Files.delete(dir);
        System.out.printf("%-44s %12s %12s %8s%n", "figure (median of " + rounds + ")", "format " + formats[0],
                "format " + formats[1], formats[1] + " / " + formats[0]);
        row("commits/s, one entry each", byFormat, Round::commitsPerSecond);
        row("copy-on-write first writes/s (4 KiB random)", byFormat, Round::cowWritesPerSecond);
        row("first overwrite MiB/s (1 MiB writes)", byFormat, Round::overwriteMiBps);
        System.out.printf("%-44s %12s %12.1f%n", "scrub MiB/s (unthrottled, past the cache)", "-",
                Medians.of(byFormat.get(1), Round::scrubMiBps));
    }

    private static void row(String name, List<List<Round>> byFormat, java.util.function.ToDoubleFunction<Round> f) {
        double two = Medians.of(byFormat.get(0), f);
        double three = Medians.of(byFormat.get(1), f);
        System.out.printf("%-44s %12.1f %12.1f %8.2f%n", name, two, three, three / two);
    }

    private static Round run(Path dir, int format) throws IOException, org.snapshare.snapshot.SnapshotException {
        Path originFile = dir.resolve("origin.img");
        Path storeFile = dir.resolve("store.img");
        try {
            double commitsPerSecond = commits(storeFile, format);
            Files.delete(storeFile);
            FileBlockDevice origin = FileBlockDevice.createSparse(originFile, VOLUME);
            FileBlockDevice store = FileBlockDevice.createSparse(storeFile, 2 * VOLUME);
            { // the core closes both devices
                SharedExceptionStore.format(store, CHUNK, VOLUME, format);
                SharedExceptionStore opened = SharedExceptionStore.open(store, SharedExceptionStore.DEFAULT_CACHE_BYTES);
                try (SnapshotCore core = new SnapshotCore("bench", 1, origin, opened, dir.resolve("journal"))) {
                    LogicalUnit unit = core.origin();
                    core.createSnapshot("first");
                    List<Long> chunks = new ArrayList<>();
                    for (long chunk = 0; chunk < VOLUME / CHUNK; chunk++) {
                        chunks.add(chunk);
                    }
                    Collections.shuffle(chunks, new Random(format));
                    ByteBuffer small = ByteBuffer.allocate(4096);
                    long start = System.nanoTime();
                    for (int i = 0; i < RANDOM_WRITES; i++) {
                        unit.write(chunks.get(i) * CHUNK, small.clear());
                    }
                    unit.flush();
                    double cowWrites = RANDOM_WRITES / seconds(start);

                    core.createSnapshot("second"); // every chunk needs a copy again
                    ByteBuffer big = ByteBuffer.allocate(1 << 20);
                    start = System.nanoTime();
                    for (long offset = 0; offset < VOLUME; offset += big.capacity()) {
                        unit.write(offset, big.clear());
                    }
                    unit.flush();
                    double overwrite = VOLUME / 1048576.0 / seconds(start);

                    StoreScrub scrub = opened.newScrub();
                    start = System.nanoTime();
                    while (scrub.step()) {
                        // unthrottled: the rate the disk and the checks allow
                    }
                    double scrubRate = scrub.bytesRead() / 1048576.0 / seconds(start);
                    return new Round(commitsPerSecond, cowWrites, overwrite, scrubRate);
                }
            }
        } finally {
            Files.deleteIfExists(originFile);
            Files.deleteIfExists(storeFile);
            Files.deleteIfExists(dir.resolve("journal"));
        }
    }

    /** One-entry transactions, each committed: two flushes, the changed nodes, bitmap and index blocks. */
    private static double commits(Path storeFile, int format) throws IOException {
        try (FileBlockDevice device = FileBlockDevice.createSparse(storeFile, 2 * VOLUME)) {
            SharedExceptionStore.format(device, CHUNK, VOLUME, format);
            SharedExceptionStore store = SharedExceptionStore.open(device, SharedExceptionStore.DEFAULT_CACHE_BYTES);
            long id = store.createSnapshot("bench").id();
            long start = System.nanoTime();
            for (int i = 0; i < COMMITS; i++) {
                store.addEntry(new ExceptionEntry(i, id, id, store.allocateChunk()));
                store.commit();
            }
            return COMMITS / seconds(start);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
