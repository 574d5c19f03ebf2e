package org.snapshare.store;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snapshare.bench.Medians;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.snapshot.SnapshotCore;

/**
 * What a growing store costs: the first overwrite of a whole volume after a
 * snapshot (every chunk copied) into a store that starts at 1/16 of what it
 * needs and grows, against the same into a store made big enough up front;
 * plus how many times it grew and the time the growing took. Side by side
 * in one run, one warm-up, median of the rounds. Not a test: run it with
 * bench/store-growth-bench.sh.
 */
public final class StoreGrowthBench {

    private static final int CHUNK = 64 << 10;
    private static final long VOLUME = 512L << 20;

    private StoreGrowthBench() {
    }

    private record Round(double mibPerSecond, long growths, double growthMillis, double commitMillisMean) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = Files.createTempDirectory(Path.of(args.length > 1 ? args[1] : "target"), "store-growth-bench");
        List<Round> growing = new ArrayList<>();
        List<Round> presized = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            Round grows = run(dir, VOLUME / 16, true);
            Round fixed = run(dir, VOLUME + VOLUME / 8, false);
            if (round > 0) {
                growing.add(grows);
                presized.add(fixed);
            }
        }
        Files.delete(dir);
        System.out.printf("%-46s %12s %12s %8s%n", "first overwrite of 512 MiB, 1 MiB writes", "presized", "growing",
                "ratio");
        System.out.printf("%-46s %12.1f %12.1f %8.2f%n", "MiB/s (median of " + rounds + ")",
                Medians.of(presized, Round::mibPerSecond), Medians.of(growing, Round::mibPerSecond),
                Medians.of(growing, Round::mibPerSecond) / Medians.of(presized, Round::mibPerSecond));
        System.out.printf("%-46s %12.2f %12.2f%n", "mean commit ms", Medians.of(presized, Round::commitMillisMean),
                Medians.of(growing, Round::commitMillisMean));
        System.out.printf("%-46s %12s %12.0f%n", "growth steps", "-", Medians.of(growing, r -> r.growths));
        System.out.printf("%-46s %12s %12.2f%n", "ms spent growing, all steps (in their commits)", "-",
                Medians.of(growing, Round::growthMillis));
    }

    private static Round run(Path dir, long storeBytes, boolean grows) throws Exception {
        Path originFile = dir.resolve("origin.img");
        Path storeFile = dir.resolve("store.img");
        try {
            FileBlockDevice origin = FileBlockDevice.createSparse(originFile, VOLUME);
            FileBlockDevice device = FileBlockDevice.createSparse(storeFile, storeBytes);
            SharedExceptionStore.format(device, CHUNK, VOLUME);
            SharedExceptionStore store = SharedExceptionStore.open(device, SharedExceptionStore.DEFAULT_CACHE_BYTES);
            if (grows) {
                store.growWith((current, used) -> Long.MAX_VALUE);
            }
            try (SnapshotCore core = new SnapshotCore("bench", 1, origin, store, dir.resolve("journal"))) {
                core.createSnapshot("s");
                ByteBuffer big = ByteBuffer.allocate(1 << 20);
                long commitsBefore = store.commitStats().commits();
                long commitNanosBefore = store.commitStats().nanos();
                long start = System.nanoTime();
                for (long offset = 0; offset < VOLUME; offset += big.capacity()) {
                    core.origin().write(offset, big.clear());
                }
                core.origin().flush();
                double seconds = (System.nanoTime() - start) / 1e9;
                long commits = store.commitStats().commits() - commitsBefore;
                double commitMillis = (store.commitStats().nanos() - commitNanosBefore) / 1e6 / Math.max(1, commits);
                StoreCapacity.GrowthStats growth = store.growthStats();
                return new Round(VOLUME / 1048576.0 / seconds, growth.steps(), growth.nanos() / 1e6, commitMillis);
            }
        } finally {
            Files.deleteIfExists(originFile);
            Files.deleteIfExists(storeFile);
            Files.deleteIfExists(dir.resolve("journal"));
        }
    }
}
