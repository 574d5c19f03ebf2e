package org.snapshare.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file system's own floor under issue 14's goal 1, without snapshare: the
 * bytes a first overwrite after a snapshot moves, moved by plain positional
 * I/O from 4 threads in 1 MiB units, as the server's workers would. A plain
 * overwrite of an allocated file against copy-on-write I/O (read the old
 * MiB, write it to a store file, flush the store every {@code FLUSH_EVERY}
 * MiB as group commits do, overwrite the MiB), once into a store file written
 * for the first time and once into one written before. Median of 3 rounds
 * after a warm-up. Run with bench/copy-floor-bench.sh.
 */
public final class CopyFloorBench {

    private static final int UNIT = 1 << 20;
    private static final int THREADS = 4;
    private static final int FLUSH_EVERY = 2;
    private static final int ROUNDS = 3;

    private enum Case {
        PLAIN("plain overwrite"),
        NEW_SPACE("copy-on-write I/O, new store space"),
        REUSED_SPACE("copy-on-write I/O, reused store space");

        final String label;

        Case(String label) {
            this.label = label;
        }
    }

    private CopyFloorBench() {
    }

    public static void main(String[] args) throws Exception {
        long bytes = args.length > 0 ? Long.parseLong(args[0]) << 20 : 1L << 30;
        Path dir = Files.createTempDirectory(Path.of(args.length > 1 ? args[1] : "."), "copy-floor");
        Path origin = dir.resolve("origin.img");
        Path store = dir.resolve("store.img");
        try (FileChannel originFile = open(origin)) {
            writeWhole(originFile, bytes);
            double[][] seconds = new double[Case.values().length][ROUNDS + 1];
            for (int round = 0; round <= ROUNDS; round++) { // round 0 warms up
                for (Case c : Case.values()) {
                    seconds[c.ordinal()][round] = run(c, originFile, store, bytes);
                }
            }
            double plain = median(seconds[Case.PLAIN.ordinal()]);
            System.out.printf("%d MiB in 1 MiB units, %d threads, store flushed every %d MiB (median of %d)%n",
                    bytes >> 20, THREADS, FLUSH_EVERY, ROUNDS);
            System.out.printf("%-40s %8s %8s%n", "case", "seconds", "/ plain");
            for (Case c : Case.values()) {
                double s = median(seconds[c.ordinal()]);
                System.out.printf("%-40s %8.3f %7.2fx%n", c.label, s, s / plain);
            }
        } finally {
            Files.deleteIfExists(store);
            Files.deleteIfExists(origin);
            Files.deleteIfExists(dir);
        }
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static void writeWhole(FileChannel file, long bytes) throws IOException {
        ByteBuffer unit = ByteBuffer.allocateDirect(UNIT);
        for (long at = 0; at < bytes; at += UNIT) {
            file.write(unit.clear(), at);
        }
        file.force(false);
    }

    private static double run(Case c, FileChannel origin, Path storePath, long bytes) throws Exception {
        Files.deleteIfExists(storePath);
        try (FileChannel store = open(storePath)) {
            store.write(ByteBuffer.allocate(1), bytes - 1); // sparse, as a store file grows
            if (c == Case.REUSED_SPACE) {
                writeWhole(store, bytes);
            }
            AtomicLong next = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            long start = System.nanoTime();
            try {
                List<Future<Void>> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    workers.add(pool.submit(() -> work(c, origin, store, next, bytes / UNIT)));
                }
                for (Future<Void> worker : workers) {
                    worker.get();
                }
            } finally {
                pool.shutdown();
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static Void work(Case c, FileChannel origin, FileChannel store, AtomicLong next, long units)
            throws IOException {
        ByteBuffer old = ByteBuffer.allocateDirect(UNIT);
        ByteBuffer data = ByteBuffer.allocateDirect(UNIT);
        for (long unit = next.getAndIncrement(); unit < units; unit = next.getAndIncrement()) {
            long at = unit * UNIT;
            if (c != Case.PLAIN) {
                origin.read(old.clear(), at);
                store.write(old.flip(), at);
                if (unit % FLUSH_EVERY == FLUSH_EVERY - 1) {
                    store.force(false);
                }
            }
            origin.write(data.clear(), at);
        }
        return null;
    }

    private static double median(double[] withWarmUp) {
        double[] rounds = Arrays.copyOfRange(withWarmUp, 1, withWarmUp.length);
        Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }
}
