package org.snapshare.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.snapshare.control.ControlClient;
import org.snapshare.control.ControlResponse;
import org.snapshare.device.PowerCutImage;
import org.snapshare.device.RecordedWrites;
import org.snapshare.device.WriteRecorder;
import org.snapshare.iscsi.BlockSession;

/**
 * Power cuts checked from outside the server (issue 26): the packaged server
 * runs with its device writes recorded ({@link WriteRecorder}) while one
 * client writes the origin and snapshots, flushes, unmaps, resizes the
 * volume, and creates, deletes and rolls back to snapshots through the
 * control socket, with a store that must grow.
 * Afterwards the devices are rebuilt as power cuts at random moments would
 * have left them ({@link PowerCutImage}: per 4 KiB page, flushed content kept,
 * the rest any mix), and each image must pass {@code snapshare check}, be
 * served by a fresh server, and every LUN must read only what the
 * {@link LunModel} allows: nothing flushed lost, nothing never written.
 *
 * <p>Every file of the volume the server changes through the recorder (the
 * devices, the rollback journal, volume.properties) is rebuilt from the log;
 * the others are taken as they were before the run.
 */
final class PowerCutTrial {

    static final String VOLUME = "pc";
    private static final int VOLUME_BYTES = 16 << 20;
    /** What resizes may grow it to. */
    private static final int MAX_VOLUME_BYTES = 32 << 20;
    private static final int MAX_SNAPSHOTS = 4;
    /** Names of {@link WriteRecorder}'s record kinds, by kind. */
    private static final String[] KINDS = {"", "open", "write", "flush", "punch", "grow", "remove", "replace"};

    private final Path work;
    private final Random random;
    private final long seed;
    /** The LUNs a client may use now ("" for the origin). */
    private final Map<String, LunModel> luns = new LinkedHashMap<>();
    /** Every LUN there was, deleted snapshots too: a cut before the delete must find their content. */
    private final Map<String, LunModel> models = new LinkedHashMap<>();
    /** When each snapshot's create or delete was sent and acknowledged: {sent, acked}. */
    private final Map<String, long[]> created = new LinkedHashMap<>();
    private final Map<String, long[]> deleted = new LinkedHashMap<>();
    private int nextWriteId = 1;
    private final StringBuilder operationLog = new StringBuilder();
    private long workloadStart;
    private long workloadEnd;
    private RecordedWrites recorded;
    private Path baseline;
    private Path finalData;

    /** What the cuts found, and what the recorded run did: snapshots made and deleted, device changes by kind. */
    record Report(int cuts, int drawnPages, List<String> failures, int snapshotsCreated, int snapshotsDeleted,
            Map<String, Integer> changes) {
    }

    PowerCutTrial(Path work, long seed) {
        this.work = work;
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** Runs {@code operations} client operations against a recording server, then checks {@code cuts} cuts. */
    Report run(int operations, int cuts) throws Exception {
        record(operations);
        List<String> failures = new ArrayList<>();
        int drawn = 0;
        for (int i = 0; i < cuts; i++) {
            long cut = i % 2 == 0 ? workloadStart + (long) (random.nextDouble() * (workloadEnd - workloadStart))
                    : duringAFlush();
            double keepOld = new double[] {0.1, 0.5, 0.9}[i % 3];
            Path image = work.resolve("cut-" + i);
            try {
                drawn += buildImage(image, cut, keepOld);
                String failure = checkImage(image, cut);
                if (failure != null) {
                    failures.add("seed " + seed + ", cut " + i + " at +" + (cut - workloadStart) / 1_000 / 1e3
                            + " ms (keep-old " + keepOld + "): " + failure);
                } else {
                    deleteTree(image);
                }
            } catch (Exception e) {
                throw new AssertionError("seed " + seed + ", cut " + i + ": " + e, e);
            }
        }
        return new Report(cuts, drawn, failures, created.size(), deleted.size(), changeCounts());
    }

    /**
     * A moment inside a random flush of the run: where writes wait for it, so a cut there tests what
     * a commit may leave half on disk (a uniformly drawn moment falls there seldom).
     */
    private long duringAFlush() {
        List<RecordedWrites.Change> flushes = recorded.changes().stream()
                .filter(c -> c.kind() == WriteRecorder.FLUSH && c.start() >= workloadStart).toList();
        if (flushes.isEmpty()) {
            return workloadEnd;
        }
        RecordedWrites.Change flush = flushes.get(random.nextInt(flushes.size()));
        return flush.start() + (long) (random.nextDouble() * (flush.end() - flush.start()));
    }

    /** Recorded changes by device and kind, e.g. "store.img grow" = 3. */
    private Map<String, Integer> changeCounts() {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (RecordedWrites.Change change : recorded.changes()) {
            String device = recorded.devices().get(change.device()).path().getFileName().toString();
            counts.merge(device + " " + KINDS[change.kind()], 1, Integer::sum);
        }
        return counts;
    }

    private void record(int operations) throws Exception {
        Path data = work.resolve("data");
        List<String> launcher = List.of("java", "-jar", ServerProcess.jar());
        try (ServerProcess setup = new ServerProcess(data, launcher).start()) {
            setup.cli("volume", "create", VOLUME, "--size", "16M", "--store-size", "4M", "--store-max-size", "64M")
                    .assertSuccess("volume create");
            setup.stop();
        }
        baseline = work.resolve("baseline");
        copyFiles(volumeDir(data), baseline);
        Path log = work.resolve("writes.log");
        luns.put("", LunModel.zeros(VOLUME_BYTES / LunModel.BLOCK));
        models.put("", luns.get(""));
        try (ServerProcess server = new ServerProcess(data, launcher)
                .environment(WriteRecorder.ENVIRONMENT, log.toString()).start()) {
            Map<String, BlockSession> sessions = new LinkedHashMap<>();
            try {
                InetSocketAddress portal = new InetSocketAddress("127.0.0.1", server.port);
                ControlClient control = new ControlClient(data, data.resolve("control.sock"));
                workloadStart = System.nanoTime();
                for (int op = 0; op < operations; op++) {
                    step(portal, control, sessions);
                }
                workloadEnd = System.nanoTime();
            } finally {
                for (BlockSession session : sessions.values()) {
                    session.close();
                }
            }
            server.kill9(); // nothing after the workload: the log ends where the devices do
        }
        Files.writeString(work.resolve("operations.txt"), operationLog);
        recorded = RecordedWrites.read(log);
        finalData = data;
    }

    private void step(InetSocketAddress portal, ControlClient control, Map<String, BlockSession> sessions)
            throws Exception {
        List<String> snapshots = new ArrayList<>(luns.keySet());
        snapshots.remove("");
        int dice = random.nextInt(100);
        if (dice < 4 && snapshots.size() < MAX_SNAPSHOTS) {
            String name = "s" + created.size();
            long sent = System.nanoTime();
            List<BitSet> content = luns.get("").allowed(sent);
            command(control, "snapshot", "create", VOLUME, name);
            note(sent, "create " + name + " of " + content.size() + " blocks");
            long acked = System.nanoTime();
            created.put(name, new long[] {sent, acked});
            luns.put(name, new LunModel(content));
            models.put(name, luns.get(name));
            return;
        }
        if (dice < 7 && !snapshots.isEmpty()) {
            String name = snapshots.get(random.nextInt(snapshots.size()));
            long sent = System.nanoTime();
            List<BitSet> content = luns.get(name).allowed(sent);
            command(control, "snapshot", "rollback", VOLUME, name);
            note(sent, "rollback to " + name);
            luns.get("").rolledBack(content, sent, System.nanoTime());
            awaitRollback(control);
            return;
        }
        if (dice < 10 && luns.get("").blockCount() * LunModel.BLOCK < MAX_VOLUME_BYTES) {
            int blocks = luns.get("").blockCount() + (1 + random.nextInt(4)) * (1 << 20) / LunModel.BLOCK;
            long sent = System.nanoTime();
            command(control, "volume", "resize", VOLUME, Long.toString((long) blocks * LunModel.BLOCK));
            luns.get("").grown(blocks, sent, System.nanoTime());
            note(sent, "resize to " + blocks + " blocks");
            return;
        }
        if (dice < 12 && !snapshots.isEmpty()) {
            String name = snapshots.get(random.nextInt(snapshots.size()));
            BlockSession session = sessions.remove(name);
            if (session != null) {
                session.close();
            }
            long sent = System.nanoTime();
            command(control, "snapshot", "delete", VOLUME, name, "force");
            note(sent, "delete " + name);
            deleted.put(name, new long[] {sent, System.nanoTime()});
            luns.remove(name);
            return;
        }
        String lun = snapshots.isEmpty() || random.nextInt(3) > 0 ? "" : snapshots.get(random.nextInt(snapshots.size()));
        BlockSession session = sessions.get(lun);
        if (session == null) {
            session = new BlockSession(portal, target(lun));
            sessions.put(lun, session);
        }
        LunModel model = luns.get(lun);
        if (dice < 20) {
            long sent = System.nanoTime();
            session.synchronizeCache();
            note(sent, "flush " + lun);
            model.flushed(sent, System.nanoTime());
        } else if (dice < 26) {
            int blocks = 1 + random.nextInt(40);
            int first = random.nextInt(model.blockCount() - blocks + 1);
            long sent = System.nanoTime();
            session.unmap((long) first * (LunModel.BLOCK / BlockSession.BLOCK), blocks * (LunModel.BLOCK / BlockSession.BLOCK));
            note(sent, "unmap " + lun + " blocks " + first + "+" + blocks);
            model.unmapped(first, blocks, sent, System.nanoTime());
        } else {
            int blocks = 1 + random.nextInt(BlockSession.MAX_WRITE / LunModel.BLOCK);
            int first = random.nextInt(model.blockCount() - blocks + 1);
            int id = nextWriteId++;
            ByteBuffer data = ByteBuffer.allocate(blocks * LunModel.BLOCK);
            long firstSector = (long) first * (LunModel.BLOCK / LunModel.SECTOR);
            for (long sector = firstSector; data.hasRemaining(); sector++) {
                LunModel.stamp(data, id, sector);
            }
            long sent = System.nanoTime();
            session.write(firstSector, data.array());
            note(sent, "write " + id + " to " + lun + " blocks " + first + "+" + blocks);
            model.changed(first, blocks, LunModel.ids(id), sent, System.nanoTime());
        }
    }

    /** Adds a line to the operations log (work/operations.txt, for failures): when it was sent, what. */
    private void note(long sent, String what) {
        operationLog.append(String.format("%.1f ms: %s%n", (sent - workloadStart) / 1e6, what));
    }

    /** Waits (at most 60 s) until the volume's rollback has finished. */
    private static void awaitRollback(ControlClient control) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!control.send(List.of("snapshot", "rollback-status", VOLUME)).text.strip().equals("idle")) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the rollback of " + VOLUME + " did not finish in 60 s");
            }
            Thread.sleep(20);
        }
    }

    private static void command(ControlClient control, String... request) throws IOException {
        ControlResponse response = control.send(List.of(request));
        if (!response.ok) {
            throw new IOException(String.join(" ", request) + " failed: " + response.text);
        }
    }

    private static String target(String lun) {
        return ServerProcess.IQN + VOLUME + (lun.isEmpty() ? "" : "." + lun);
    }

    private static Path volumeDir(Path data) {
        return data.resolve("volumes").resolve(VOLUME);
    }

    /** A data directory as the cut leaves it; returns the pages drawn from the cache model. */
    private int buildImage(Path image, long cut, double keepOld) throws IOException {
        Path volume = volumeDir(image.resolve("data"));
        copyFiles(baseline, volume);
        int drawn = 0;
        Random draw = new Random(cut);
        Path recordedVolume = volumeDir(finalData).toAbsolutePath().normalize();
        for (Map.Entry<Integer, RecordedWrites.Opened> file : recorded.devices().entrySet()) {
            Path path = file.getValue().path();
            if (path.getParent().equals(recordedVolume)) {
                drawn += PowerCutImage.write(recorded, file.getKey(), baseline.resolve(path.getFileName()), cut,
                        draw, keepOld, volume.resolve(path.getFileName()));
            }
        }
        return drawn;
    }

    /** Null when the image checks clean and every LUN reads what the model allows; else what was wrong. */
    private String checkImage(Path image, long cut) throws Exception {
        Path data = image.resolve("data");
        List<String> launcher = List.of("java", "-jar", ServerProcess.jar());
        try (ServerProcess server = new ServerProcess(data, launcher)) {
            ExternalTools.Result check = server.cli("check", VOLUME);
            if (check.exitCode != 0) {
                return "snapshare check failed: " + check.output;
            }
            server.start();
            InetSocketAddress portal = new InetSocketAddress("127.0.0.1", server.port);
            String failure = compare(portal, "", cut);
            for (Map.Entry<String, long[]> snapshot : created.entrySet()) {
                if (failure != null) {
                    break;
                }
                String name = snapshot.getKey();
                long[] delete = deleted.get(name);
                boolean mustExist = snapshot.getValue()[1] <= cut && (delete == null || cut < delete[0]);
                boolean mayExist = snapshot.getValue()[0] < cut && (delete == null || cut < delete[1]);
                boolean served = served(portal, name);
                if (served && !mayExist) {
                    failure = "snapshot " + name + " is served though " + (delete != null && delete[1] <= cut
                            ? "its delete was acknowledged" : "it was not created yet");
                } else if (!served && mustExist) {
                    failure = "snapshot " + name + " is gone though its create was acknowledged";
                } else if (served) {
                    failure = compare(portal, name, cut);
                }
            }
            server.stop();
            return failure;
        }
    }

    private static boolean served(InetSocketAddress portal, String lun) {
        try (BlockSession ignored = new BlockSession(portal, target(lun))) {
            return true;
        } catch (Exception refused) {
            return false;
        }
    }

    /** Reads the LUN whole; null when every sector holds an allowed write. */
    private String compare(InetSocketAddress portal, String lun, long cut) throws Exception {
        LunModel model = models.get(lun);
        try (BlockSession session = new BlockSession(portal, target(lun))) {
            long served = session.capacityBlocks() / (LunModel.BLOCK / BlockSession.BLOCK);
            if (!model.allowedSizes(cut).contains(served)) {
                return (lun.isEmpty() ? "origin" : "snapshot " + lun) + " has " + served + " blocks of 4 KiB, allowed: "
                        + model.allowedSizes(cut);
            }
            int perRead = BlockSession.MAX_WRITE / LunModel.BLOCK;
            int sectorsPerBlock = LunModel.BLOCK / LunModel.SECTOR;
            for (int first = 0; first < served; first += perRead) {
                byte[] data = session.read((long) first * sectorsPerBlock, perRead * sectorsPerBlock);
                for (int block = first; block < first + perRead; block++) {
                    BitSet allowed = model.allowed(block, cut);
                    for (int s = 0; s < sectorsPerBlock; s++) {
                        long sector = (long) block * sectorsPerBlock + s;
                        int found = LunModel.identify(data, (int) (sector - (long) first * sectorsPerBlock)
                                * LunModel.SECTOR, sector);
                        if (found < 0 || !allowed.get(found)) {
                            return (lun.isEmpty() ? "origin" : "snapshot " + lun) + " sector " + sector + " holds "
                                    + (found < 0 ? "bytes no write put there" : "write " + found)
                                    + ", allowed: " + allowed + "; its history: "
                                    + model.history(block, workloadStart) + (lun.isEmpty()
                                    ? "; origin.img there: " + deviceHistory("origin.img", sector * LunModel.SECTOR)
                                    : "");
                        }
                    }
                }
            }
            return null;
        }
    }

    /** The recorded changes of {@code device} that cover byte {@code offset}, for failure messages. */
    private String deviceHistory(String device, long offset) {
        int id = recorded.deviceId(volumeDir(finalData).resolve(device));
        StringBuilder text = new StringBuilder();
        for (RecordedWrites.Change change : recorded.changes()) {
            boolean covers = change.kind() == WriteRecorder.FLUSH
                    || (change.kind() != WriteRecorder.GROW && change.offset() <= offset
                            && offset - change.offset() < change.length());
            if (change.device() == id && covers) {
                text.append(String.format("%s %.1f-%.1f; ", KINDS[change.kind()], (change.start() - workloadStart) / 1e6, (change.end() - workloadStart) / 1e6));
            }
        }
        return text.toString();
    }

    /** Copies the files of {@code from} (not its directories) into {@code to}, which it creates. */
    private static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file)) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
