package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.snapshare.device.FaultInjectingDevice;

/**
 * Crash trials on the exception store, shared by {@link CrashConsistencyTest} (fixed cut points, in
 * CI) and the crash soak (bench/crash-soak.sh, many seeds): a workload of transactions is cut short
 * after a chosen device write; the device then keeps or drops each unflushed write at random, and
 * may tear a kept one sector by sector (a volatile disk cache loses and reorders unflushed writes).
 * The remounted store must pass check and hold exactly the state of the last completed commit or of
 * the commit that was in flight.
 */
public final class CrashTrials {

    static final int CHUNK = 4096;
    /** What a growing store's device may reach. */
    static final int GROWN = 8 << 20;
    static final long ORIGIN_CHUNKS = 64;
    static final int TRANSACTIONS = 24;

    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

    private final int version;
    private final int chunkSize;
    private final int deviceBytes;
    private final int operations;
    private final long workloadSeed;
    /** Snapshots made before the workload, each with a copy of its own: a range counter apiece. */
    private final int presetRanges;
    /** In a cluster, the lock of the node that writes and is cut off, and of the node that takes over; else null. */
    private final ClusterLock writerLock;
    private final ClusterLock nextLock;
    /** The state after each commit of an uncut run. */
    private final List<State> committed = new ArrayList<>();
    /** Device writes of a whole uncut run after the format: the cut points there are. */
    private final int writes;

    /** The logical state a mount must show: entries, the data they point at, snapshot states (and identities). */
    private record State(List<ExceptionEntry> entries, List<Integer> dataHashes, TreeMap<Long, String> snapshots) {
    }

    /** One kind of store the trials run on: format, chunk size, device bytes, operations a transaction. */
    public record Case(int version, int chunkSize, int deviceBytes, int operations) {
    }

    /**
     * The cases {@link CrashConsistencyTest} enumerates and the crash soak samples over many seeds:
     * format 7 with 16 KiB chunks (each tree node in its chunk's first page: a one-flush commit names
     * such a chunk by that page alone, and a power cut may keep the page and lose the rest or the
     * reverse), format 7 with 4 KiB chunks (node and chunk the same), format 6 (snapshot parents in the
     * table: every other snapshot of the workload is taken of a snapshot), format 5 (one flush per
     * commit: a power cut may keep the commit block and drop some of its blocks, which mount must
     * notice), format 4 (two flushes, snapshot identities), format 3 (two copies of every metadata
     * block), format 2 (one), which older volumes still use, and format 7 on a small device that the
     * workload makes grow (the growth is one of the crash points). Transactions of 40 operations mostly
     * name too many chunks for one commit block and fall back to two flushes; those of 3 fit, so nearly
     * every commit is a one-flush commit (issue 26: a block its commit did not name, lost while the
     * commit survived).
     */
    public static final List<Case> CASES = List.of(new Case(7, 16384, 8 << 20, 40), new Case(7, 16384, 8 << 20, 3),
            new Case(7, CHUNK, 2 << 20, 3), new Case(6, CHUNK, 2 << 20, 40), new Case(5, CHUNK, 2 << 20, 40),
            new Case(4, CHUNK, 2 << 20, 40), new Case(3, CHUNK, 2 << 20, 40), new Case(2, CHUNK, 2 << 20, 40),
            new Case(7, CHUNK, 256 << 10, 40));

    /** What one trial found: its failure (null when it recovered), and whether a commit was torn. */
    public record Outcome(String failure, boolean torn) {
    }

    /**
     * Trials of format {@code version} on a device of {@code deviceBytes} (which the workload may make
     * grow), transactions of {@code operations} operations, drawn from {@code workloadSeed}.
     */
    public CrashTrials(int version, int deviceBytes, int operations, long workloadSeed) throws IOException {
        this(version, CHUNK, deviceBytes, operations, workloadSeed, 0, null, null);
    }

    /** The trials of {@code kind}, drawn from {@code workloadSeed}. */
    public CrashTrials(Case kind, long workloadSeed) throws IOException {
        this(kind.version(), kind.chunkSize(), kind.deviceBytes(), kind.operations(), workloadSeed, 0, null, null);
    }

    /**
     * The same trials on a store that starts with {@code presetRanges} snapshots, each holding a copy of one
     * origin chunk alone: a chain of several range counter blocks, of which commits rewrite only the first few.
     */
    public CrashTrials(int version, int deviceBytes, int operations, long workloadSeed, int presetRanges)
            throws IOException {
        this(version, CHUNK, deviceBytes, operations, workloadSeed, presetRanges, null, null);
    }

    /**
     * The same trials in a cluster: the workload runs under {@code writerLock} (one node's), and after
     * the cut the store is mounted and taken over under {@code nextLock} (another node's).
     */
    public CrashTrials(int version, int deviceBytes, int operations, long workloadSeed, ClusterLock writerLock,
            ClusterLock nextLock) throws IOException {
        this(version, CHUNK, deviceBytes, operations, workloadSeed, 0, writerLock, nextLock);
    }

    private CrashTrials(int version, int chunkSize, int deviceBytes, int operations, long workloadSeed,
            int presetRanges, ClusterLock writerLock, ClusterLock nextLock) throws IOException {
        this.version = version;
        this.chunkSize = chunkSize;
        this.deviceBytes = deviceBytes;
        this.operations = operations;
        this.workloadSeed = workloadSeed;
        this.presetRanges = presetRanges;
        this.writerLock = writerLock;
        this.nextLock = nextLock;
        FaultInjectingDevice dry = formatted();
        long before = dry.writeCount();
        SharedExceptionStore store = open(dry);
        committed.add(state(store));
        runWorkload(store, committed);
        releaseWriter();
        this.writes = (int) (dry.writeCount() - before);
    }

    /** The writer's tenure ends: its work is done or the power went (its node is gone). */
    private void releaseWriter() throws IOException {
        if (writerLock != null) {
            writerLock.release();
        }
    }

    /** Device writes of an uncut run: cut points are 0 to this. */
    public int writes() {
        return writes;
    }

    /** Whether the uncut run grew the store past its device's first size. */
    boolean grew() throws IOException {
        FaultInjectingDevice dry = formatted();
        SharedExceptionStore store = open(dry);
        runWorkload(store, new ArrayList<>());
        releaseWriter();
        return store.chunkCount() * chunkSize > deviceBytes;
    }

    /**
     * Cuts the run after write {@code cut}, then loses unflushed writes in {@code draws} ways: draw
     * {@code i} as {@code new Random(seedBase + i)} says, tearing kept writes in every odd draw.
     */
    public List<Outcome> trials(int cut, long seedBase, int draws) throws IOException {
        FaultInjectingDevice device = formatted();
        SharedExceptionStore store = open(device);
        device.failAfterWrites(cut);
        List<State> reached = new ArrayList<>();
        reached.add(state(store));
        try {
            runWorkload(store, reached);
        } catch (IOException expected) {
            // the injected power cut
        }
        releaseWriter();
        int done = reached.size() - 1; // commits that returned
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < draws; i++) {
            FaultInjectingDevice afterCut = device.powerCut(new Random(seedBase + i), i % 2 == 1);
            boolean torn = tornAt(afterCut) >= 0;
            outcomes.add(new Outcome(recovered(afterCut, done), torn));
        }
        return outcomes;
    }

    private String recovered(FaultInjectingDevice device, int done) throws IOException {
        SharedExceptionStore store;
        try {
            store = SharedExceptionStore.open(device, 1 << 20);
        } catch (IOException e) {
            return "mount failed: " + e.getMessage();
        }
        CheckReport report = StoreChecker.check(store, n -> { });
        if (!report.clean()) {
            return "check found " + report.problems();
        }
        ClusterLock lock = nextLock != null ? nextLock : new SingleNodeLock();
        store.takeOver(lock.take(LOCK_WAIT).orElseThrow(() -> new IOException("the next node got no lock")));
        try { // the takeover rewrites a lone commit copy
            List<String> notes = StoreChecker.check(store, n -> { }).notes();
            if (!notes.isEmpty()) {
                return "after the server's start, check still notes " + notes;
            }
            State actual = state(store);
            boolean lastDone = actual.equals(committed.get(done));
            boolean inFlight = done + 1 < committed.size() && actual.equals(committed.get(done + 1));
            return lastDone || inFlight ? null : "state is neither commit " + done + " nor commit " + (done + 1);
        } finally {
            lock.release();
        }
    }

    /** The sequence of a commit whose slot survived the cut but not all of its blocks, or -1. */
    private static long tornAt(FaultInjectingDevice device) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Superblock.SIZE);
        device.read(0, header);
        return CommitRing.read(device, Superblock.decode(header.clear()), true).tornSequence();
    }

    /** A formatted device, with the preset snapshots and their copies committed (not cut points). */
    private FaultInjectingDevice formatted() throws IOException {
        FaultInjectingDevice device = new FaultInjectingDevice(deviceBytes, GROWN);
        SharedExceptionStore.format(device, chunkSize, ORIGIN_CHUNKS * chunkSize, version);
        if (presetRanges > 0) {
            try (SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20)) {
                for (int i = 1; i <= presetRanges; i++) {
                    SnapshotInfo snapshot = store.createSnapshot("preset" + i, 0, new java.util.UUID(7, i),
                            java.time.Instant.ofEpochMilli(i));
                    store.addEntry(new ExceptionEntry(i % ORIGIN_CHUNKS, snapshot.id(), snapshot.id(),
                            store.allocateChunk()));
                }
                store.commit();
                if (store.state().counts().blocks().size() < 2) {
                    throw new IllegalStateException("the preset ranges fill only one counter block");
                }
            }
        }
        return device;
    }

    /** Opened as a server opens it: free to grow up to {@link #GROWN} bytes; in a cluster under the writer's lock. */
    private SharedExceptionStore open(FaultInjectingDevice device) throws IOException {
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        store.growWith((current, used) -> GROWN);
        if (writerLock != null) {
            store.takeOver(writerLock.take(LOCK_WAIT).orElseThrow(() -> new IOException("the writer got no lock")));
        }
        return store;
    }

    /** The same transactions every time: snapshots come and go, entries are added, changed, removed. */
    private void runWorkload(SharedExceptionStore store, List<State> afterEachCommit) throws IOException {
        Random random = new Random(workloadSeed);
        for (int t = 0; t < TRANSACTIONS; t++) {
            if (t % 3 == 0) { // the same identities in every run; from format 6 every other one of a live snapshot
                store.createSnapshot("snap" + t, 0, new java.util.UUID(42, t), java.time.Instant.ofEpochMilli(t),
                        t % 2 == 0 ? newestLive(store) : 0);
            }
            for (int op = 0; op < operations; op++) {
                long chunk = random.nextInt((int) ORIGIN_CHUNKS);
                List<IdRange> ranges = store.rangesLackingCopy(chunk);
                List<ExceptionEntry> existing = store.entries(chunk);
                if (!existing.isEmpty() && random.nextInt(5) < 2) {
                    ExceptionEntry victim = existing.get(random.nextInt(existing.size()));
                    store.removeEntry(chunk, victim.fromId());
                    store.freeChunk(victim.storeChunk());
                } else if (!ranges.isEmpty()) {
                    IdRange range = ranges.get(0);
                    long data = store.allocateChunk();
                    ByteBuffer copy = ByteBuffer.allocate(chunkSize);
                    java.util.Arrays.fill(copy.array(), (byte) (chunk * 7 + range.from()));
                    // a copy-on-write copy: format 5 commits it with one flush
                    store.writeCopy(data, copy, DataChecksum.of(copy.duplicate()));
                    store.addEntry(new ExceptionEntry(chunk, range.from(), range.to(), data));
                }
            }
            if (t % 5 == 4) {
                store.setSnapshotState(store.snapshots().get(0).id(), SnapshotState.DELETING);
            }
            store.commit();
            afterEachCommit.add(state(store));
        }
    }

    /** The newest live snapshot's id, to take a snapshot of (format 6); 0: none, or an older format. */
    private static long newestLive(SharedExceptionStore store) {
        if (!store.superblock().layout().snapshotParents) {
            return 0;
        }
        return store.snapshots().stream().filter(s -> s.state() == SnapshotState.LIVE).mapToLong(SnapshotInfo::id)
                .max().orElse(0);
    }

    private static State state(SharedExceptionStore store) throws IOException {
        TreeMap<Long, String> snapshots = new TreeMap<>();
        // Before format 4 the identity derives from the format's random nonce: it differs between runs.
        store.snapshots().forEach(s -> snapshots.put(s.id(),
                s.state() + (store.keepsSnapshotIdentities() ? " " + s.identity() : "") + " of " + s.parentId()));
        List<ExceptionEntry> entries = StoreModelTest.scanAll(store);
        List<Integer> hashes = new ArrayList<>();
        for (ExceptionEntry entry : entries) {
            ByteBuffer data = ByteBuffer.allocate(store.chunkSize());
            store.readChunk(entry.storeChunk(), 0, data);
            hashes.add(java.util.Arrays.hashCode(data.array()));
        }
        return new State(entries, hashes, snapshots);
    }
}
