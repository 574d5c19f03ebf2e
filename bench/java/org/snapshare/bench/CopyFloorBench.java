package org.snapshare.bench;

import com.sun.nio.file.ExtendedOpenOption;
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
 * for the first time and once into one written before, with the copies
 * written through the page cache and past it (O_DIRECT). Median of 3 rounds
 * after a warm-up. Run with bench/copy-floor-bench.sh.
 */
public final class CopyFloorBench {

    private static final int UNIT = 1 << 20;
    private static final int THREADS = 4;
    private static final int FLUSH_EVERY = 2;
    private static final int ROUNDS = 3;
    private static final int ALIGNMENT = 4096;

    private enum Case {
        PLAIN("plain overwrite", false, false),
        NEW_SPACE("copy-on-write I/O, new store space", false, false),
        REUSED_SPACE("copy-on-write I/O, reused store space", true, false),
        NEW_SPACE_DIRECT("the same, copies with O_DIRECT, new space", false, true),
        REUSED_SPACE_DIRECT("the same, copies with O_DIRECT, reused space", true, true);

        final String label;
        final boolean reused;
        /** Copies written past the page cache, as the server wrote them until issue 29's deferred writes. */
        final boolean direct;

        Case(String label, boolean reused, boolean direct) {
            this.label = label;
            this.reused = reused;
            this.direct = direct;
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
            System.out.printf("%-46s %8s %8s%n", "case", "seconds", "/ plain");
            for (Case c : Case.values()) {
                double s = median(seconds[c.ordinal()]);
                System.out.printf("%-46s %8.3f %7.2fx%n", c.label, s, s / plain);
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
        try (FileChannel created = open(storePath)) {
            created.write(ByteBuffer.allocate(1), bytes - 1); // sparse, as a store file grows
            if (c.reused) {
                writeWhole(created, bytes);
            }
        }
        try (FileChannel store = c.direct ? FileChannel.open(storePath, StandardOpenOption.READ,
                StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT) : open(storePath)) {
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
        ByteBuffer old = ByteBuffer.allocateDirect(UNIT + ALIGNMENT).alignedSlice(ALIGNMENT); // O_DIRECT needs it
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

    /** The median of the rounds after the first, the warm-up. */
    private static double median(double[] withWarmUp) {
        return Medians.of(Arrays.copyOfRange(withWarmUp, 1, withWarmUp.length));
    }
}
