package org.snapshare.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.snapshare.control.ControlClient;
import org.snapshare.device.PowerCutImage;
import org.snapshare.device.RecordedWrites;
import org.snapshare.device.WriteRecorder;
import org.snapshare.iscsi.BlockSession;

/**
 * Power cuts checked from outside the server (issue 26): the packaged server
 * runs with every file change recorded ({@link WriteRecorder}) under a
 * {@link PowerCutWorkload}. Afterwards the data directory is rebuilt as power
 * cuts at random moments would have left it ({@link PowerCutImage}: per
 * 4 KiB page, flushed content kept, the rest any mix), and each image must
 * pass {@code snapshare check} for every volume, be served by a fresh server,
 * and every LUN must have an allowed size and read only what its
 * {@link LunModel} allows: nothing flushed lost, nothing never written.
 *
 * <p>Every file the server changes through the recorder (devices, the
 * rollback journal, volume.properties, an import's staging) is rebuilt from
 * the log; the others are taken as they were before the run.
 */
final class PowerCutTrial {

    /** Names of {@link WriteRecorder}'s record kinds, by kind. */
    private static final String[] KINDS = {"", "open", "write", "flush", "punch", "grow", "remove", "replace"};

    private final Path work;
    private final Random random;
    private final long seed;
    private PowerCutWorkload workload;
    private long workloadEnd;
    private RecordedWrites recorded;
    private Path baseline;
    private Path finalData;

    /**
     * What the cuts found, and what the recorded run did: snapshots made and deleted, snapshots imported
     * into the replica, file changes by kind.
     */
    record Report(int cuts, int drawnPages, List<String> failures, int snapshotsCreated, int snapshotsDeleted,
            int imports, Map<String, Integer> changes) {
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
            long cut = i % 2 == 0 ? workload.start() + (long) (random.nextDouble() * (workloadEnd - workload.start()))
                    : duringAFlush();
            double keepOld = new double[] {0.1, 0.5, 0.9}[i % 3];
            Path image = work.resolve("cut-" + i);
            try {
                drawn += buildImage(image, cut, keepOld);
                String failure = checkImage(image, cut);
                if (failure != null) {
                    failures.add("seed " + seed + ", cut " + i + " at +" + (cut - workload.start()) / 1_000 / 1e3
                            + " ms (keep-old " + keepOld + "): " + failure);
                } else {
                    deleteTree(image);
                }
            } catch (Exception e) {
                throw new AssertionError("seed " + seed + ", cut " + i + ": " + e, e);
            }
        }
        long imports = workload.created.keySet().stream().filter(n -> n.startsWith(PowerCutWorkload.REPLICA + "."))
                .count();
        return new Report(cuts, drawn, failures, workload.created.size() - (int) imports, workload.deleted.size(),
                (int) imports, changeCounts());
    }

    private void record(int operations) throws Exception {
        Path data = work.resolve("data");
        Files.createDirectories(data.resolve("volumes")); // not a new data dir: no 1 GiB default volume to copy
        List<String> launcher = List.of("java", "-jar", ServerProcess.jar());
        try (ServerProcess setup = new ServerProcess(data, launcher).start()) {
            setup.cli("volume", "create", PowerCutWorkload.VOLUME, "--size", "16M", "--store-size", "4M",
                    "--store-max-size", "64M").assertSuccess("volume create");
            setup.stop();
        }
        baseline = work.resolve("baseline");
        copyTree(data, baseline);
        Path log = work.resolve("writes.log");
        try (ServerProcess server = new ServerProcess(data, launcher)
                .environment(WriteRecorder.ENVIRONMENT, log.toString()).start()) {
            workload = new PowerCutWorkload(random, new InetSocketAddress("127.0.0.1", server.port),
                    new ControlClient(data, data.resolve("control.sock")));
            try {
                for (int op = 0; op < operations; op++) {
                    workload.step();
                }
                workloadEnd = System.nanoTime();
            } finally {
                workload.closeSessions();
                Files.writeString(work.resolve("operations.txt"), workload.operations());
            }
            server.kill9(); // nothing after the workload: the log ends where the files do
        }
        recorded = RecordedWrites.read(log);
        finalData = data.toAbsolutePath().normalize();
    }

    /**
     * A moment inside a random flush of the run: where writes wait for it, so a cut there tests what
     * a commit may leave half on disk (a uniformly drawn moment falls there seldom).
     */
    private long duringAFlush() {
        List<RecordedWrites.Change> flushes = recorded.changes().stream()
                .filter(c -> c.kind() == WriteRecorder.FLUSH && c.start() >= workload.start()).toList();
        if (flushes.isEmpty()) {
            return workloadEnd;
        }
        RecordedWrites.Change flush = flushes.get(random.nextInt(flushes.size()));
        return flush.start() + (long) (random.nextDouble() * (flush.end() - flush.start()));
    }

    /** Recorded changes by file name and kind, e.g. "store.img grow" = 3. */
    private Map<String, Integer> changeCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (RecordedWrites.Change change : recorded.changes()) {
            String file = recorded.devices().get(change.device()).path().getFileName().toString();
            counts.merge(file + " " + KINDS[change.kind()], 1, Integer::sum);
        }
        return counts;
    }

    /** A data directory as the cut leaves it; returns the pages drawn from the cache model. */
    private int buildImage(Path image, long cut, double keepOld) throws IOException {
        Path data = image.resolve("data");
        copyTree(baseline, data);
        int drawn = 0;
        Random draw = new Random(cut);
        for (Map.Entry<Integer, RecordedWrites.Opened> file : recorded.devices().entrySet()) {
            Path path = file.getValue().path();
            if (!path.startsWith(finalData)) {
                continue;
            }
            Path relative = finalData.relativize(path);
            Path before = baseline.resolve(relative);
            if (!Files.exists(before) && file.getValue().opened() >= cut) {
                continue; // made after the cut
            }
            Files.createDirectories(data.resolve(relative).getParent());
            drawn += PowerCutImage.write(recorded, file.getKey(), before, cut, draw, keepOld, data.resolve(relative));
        }
        return drawn;
    }

    /** Null when the image checks clean and every LUN reads what the model allows; else what was wrong. */
    private String checkImage(Path image, long cut) throws Exception {
        Path data = image.resolve("data");
        List<String> launcher = List.of("java", "-jar", ServerProcess.jar());
        try (ServerProcess server = new ServerProcess(data, launcher)) {
            for (String volume : List.of(PowerCutWorkload.VOLUME, PowerCutWorkload.REPLICA)) {
                if (Files.exists(data.resolve("volumes").resolve(volume).resolve("volume.properties"))) {
                    ExternalTools.Result check = server.cli("check", volume);
                    if (check.exitCode != 0) {
                        return "snapshare check " + volume + " failed: " + check.output;
                    }
                }
            }
            server.start();
            InetSocketAddress portal = new InetSocketAddress("127.0.0.1", server.port);
            String failure = compare(portal, PowerCutWorkload.VOLUME, cut);
            for (Map.Entry<String, long[]> lun : workload.created.entrySet()) {
                if (failure != null) {
                    break;
                }
                String name = lun.getKey();
                long[] delete = workload.deleted.get(name);
                boolean mustExist = lun.getValue()[1] <= cut && (delete == null || cut < delete[0]);
                boolean mayExist = lun.getValue()[0] < cut && (delete == null || cut < delete[1]);
                boolean served = served(portal, name);
                if (served && !mayExist) {
                    failure = name + " is served though " + (delete != null && delete[1] <= cut
                            ? "its delete was acknowledged" : "it was not made yet");
                } else if (!served && mustExist) {
                    failure = name + " is gone though its making was acknowledged";
                } else if (served) {
                    failure = compare(portal, name, cut);
                }
            }
            server.stop();
            return failure;
        }
    }

    private static boolean served(InetSocketAddress portal, String lun) {
        try (BlockSession ignored = new BlockSession(portal, PowerCutWorkload.target(lun))) {
            return true;
        } catch (Exception refused) {
            return false;
        }
    }

    /** Reads the LUN whole; null when its size is allowed and every sector holds an allowed write. */
    private String compare(InetSocketAddress portal, String lun, long cut) throws Exception {
        LunModel model = workload.models.get(lun);
        try (BlockSession session = new BlockSession(portal, PowerCutWorkload.target(lun))) {
            long served = session.capacityBlocks() / (LunModel.BLOCK / BlockSession.BLOCK);
            if (!model.allowedSizes(cut).contains(served)) {
                return lun + " has " + served + " blocks of 4 KiB, allowed: " + model.allowedSizes(cut);
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
                            return lun + " sector " + sector + " holds "
                                    + (found < 0 ? "bytes no write put there" : "write " + found) + ", allowed: "
                                    + allowed + "; its history: " + model.history(block, workload.start())
                                    + (lun.equals(PowerCutWorkload.VOLUME) ? "; origin.img there: "
                                    + fileHistory(PowerCutWorkload.VOLUME, sector * LunModel.SECTOR) : "");
                        }
                    }
                }
            }
            return null;
        }
    }

    /** The recorded changes of a volume's origin.img that cover byte {@code offset}, for failure messages. */
    private String fileHistory(String volume, long offset) {
        int id = recorded.deviceId(finalData.resolve("volumes").resolve(volume).resolve("origin.img"));
        StringBuilder text = new StringBuilder();
        for (RecordedWrites.Change change : recorded.changes()) {
            boolean covers = change.kind() == WriteRecorder.FLUSH
                    || (change.kind() != WriteRecorder.GROW && change.offset() <= offset
                            && offset - change.offset() < change.length());
            if (change.device() == id && covers) {
                text.append(String.format("%s %.1f-%.1f; ", KINDS[change.kind()],
                        (change.start() - workload.start()) / 1e6, (change.end() - workload.start()) / 1e6));
            }
        }
        return text.toString();
    }

    /** Copies the regular files under {@code from} into {@code to} (sockets and locks are left behind). */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                String name = path.getFileName().toString();
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (Files.isRegularFile(path) && !name.endsWith(".lock")) {
                    Files.copy(path, target);
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
