package org.snapshare.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.NodeCacheBudget;
import org.snapshare.store.SharedExceptionStore;

/**
 * Exception-store figures on a real (sparse) file: inserts/s and lookups/s
 * at each entry count given, mount time, and heap in use after mount. Prints
 * one table row per size; heap is measured after the lookups, cache warm. The node cache is the server's
 * default budget, a quarter of -Xmx. Not a test: run it with bench/store-bench.sh.
 */
public final class StoreBench {

    private static final int CHUNK = 64 << 10;
    /** Inserts per commit: 10,000 by default; a served volume commits every 50 ms (hundreds of copies). */
    private static final int COMMIT_EVERY = Integer.parseInt(System.getenv().getOrDefault("COMMIT_EVERY", "10000"));
    private static final int LOOKUPS = 200_000;
    private static final long CACHE_BYTES = NodeCacheBudget.defaultBytes();

    private StoreBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("snapshare-bench");
        System.out.printf("%-10s %12s %12s %10s %10s %11s %12s %10s %14s %14s%n", "entries", "inserts/s", "lookups/s",
                "mount ms", "heap MiB", "meta chunks", "cache cap MiB", "file MiB", "owned:counters", "owned:walk ms");
        for (String arg : args.length == 0 ? new String[] {"1000000"} : args) {
            Path file = dir.resolve("store-" + arg + ".img");
            try {
                run(file, Long.parseLong(arg));
            } finally {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(dir);
    }

    private static void run(Path file, long entries) throws IOException {
        long storeChunks = entries + entries / 16 + 4096;
        Random random = new Random(1);
        double insertRate;
        try (FileBlockDevice device = FileBlockDevice.createSparse(file, storeChunks * CHUNK)) {
            SharedExceptionStore.format(device, CHUNK, entries * CHUNK);
            SharedExceptionStore store = SharedExceptionStore.open(device, CACHE_BYTES);
            long id = store.createSnapshot("bench").id();
            long start = System.nanoTime();
            // Origin chunks in a scattered order (a golden-ratio stride coprime to the count),
            // as copy-on-write after a snapshot would see random writes.
            long stride = (long) (entries * 0.6180339887) | 1;
            while (gcd(stride, entries) != 1) {
                stride += 2;
            }
            for (long i = 0; i < entries; i++) {
                long originChunk = (i * stride) % entries;
                store.addEntry(new ExceptionEntry(originChunk, id, id, store.allocateChunk()));
                if (i % COMMIT_EVERY == COMMIT_EVERY - 1) {
                    store.commit();
                }
            }
            store.commit();
            insertRate = entries / seconds(start);
        }
        long mountStart = System.nanoTime();
        try (FileBlockDevice device = FileBlockDevice.open(file)) {
            SharedExceptionStore store = SharedExceptionStore.open(device, CACHE_BYTES);
            double mountMs = seconds(mountStart) * 1000;
            long start = System.nanoTime();
            long found = 0;
            for (int i = 0; i < LOOKUPS; i++) {
                found += store.find(Math.floorMod(random.nextLong(), entries), 1).isPresent() ? 1 : 0;
            }
            double lookupRate = LOOKUPS / seconds(start);
            // What `snapshot list` needs for OWNED: the range counters (format 3) against a walk of every entry.
            start = System.nanoTime();
            long fromCounters = store.copiedChunksByRange().orElseThrow().values().stream().mapToLong(n -> n).sum();
            double countersMs = seconds(start) * 1000;
            start = System.nanoTime();
            long[] walked = {0};
            store.scan(0, 0, entry -> ++walked[0] > 0);
            double walkMs = seconds(start) * 1000;
            if (fromCounters != entries || walked[0] != entries) {
                throw new IllegalStateException("counters say " + fromCounters + ", the walk " + walked[0]);
            }
            System.gc(); // heap with the node cache warm: what a serving store holds
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            java.lang.ref.Reference.reachabilityFence(store); // else the JIT may let GC take the cache first
            if (found != LOOKUPS) {
                throw new IllegalStateException("lost entries: found " + found + " of " + LOOKUPS);
            }
            // Every insert took one data chunk; the rest in use is the tree and the other metadata, measured.
            long metadataChunks = store.spaceUse().usedBytes() / CHUNK - entries;
            System.out.printf("%-10d %12.0f %12.0f %10.1f %10.1f %11d %12.1f %10.1f %14.3f %14.1f%n", entries,
                    insertRate, lookupRate, mountMs, heap / 1048576.0, metadataChunks,
                    CACHE_BYTES / 1048576.0, allocatedBytes(file) / 1048576.0,
                    countersMs, walkMs);
        }
    }

    /** Bytes the sparse store file really occupies on disk. */
    private static long allocatedBytes(Path file) throws IOException {
        Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
        try {
            String blocks = new String(stat.getInputStream().readAllBytes()).trim();
            stat.waitFor();
            return Long.parseLong(blocks) * 512;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
