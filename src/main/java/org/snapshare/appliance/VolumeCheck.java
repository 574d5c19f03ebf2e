package org.snapshare.appliance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.snapshot.CloneFill;
import org.snapshare.snapshot.RollbackJournal;
import org.snapshare.store.CheckReport;
import org.snapshare.store.DeleteCursor;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;
import org.snapshare.store.StoreChecker;

/**
 * `snapshare check VOLUME`: walks a whole volume offline, with the data
 * directory locked so no server changes it meanwhile: its metadata, that the
 * origin and the exception store belong together, every structure of the
 * store, and pending background work. Reports, never repairs.
 */
public final class VolumeCheck {

    private VolumeCheck() {
    }

    /** Work on one volume's directory while no server runs on the data dir. */
    @FunctionalInterface
    interface OfflineWork {
        boolean run(Path dir) throws IOException;
    }

    /** Runs {@code work} on the volume's directory with every data-dir lock held; {@code what}: "check". */
    static boolean offline(ApplianceConfig config, String volume, String what, OfflineWork work)
            throws ConfigException, IOException {
        VolumeNames.check(volume);
        Path dataDir = config.dataDir();
        Path dir = new VolumeCatalog(dataDir, config.chunkSize()).volumeDir(volume);
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("no volume named " + volume + " in " + dataDir);
        }
        try (DataDirLock lock = DataDirLock.acquireExclusive(dataDir, what + " runs offline: stop the server"
                + " (systemctl stop snapshare; on every node of a cluster) and run it again")) {
            return work.run(dir);
        }
    }

    /** Prints the findings; true when the volume is clean. */
    public static boolean run(ApplianceConfig config, String volume, PrintStream out, PrintStream progress)
            throws ConfigException, IOException {
        return offline(config, volume, "check", dir -> {
            out.println("checking volume " + volume + " (" + dir + ")");
            return checkVolume(dir, out, progress);
        });
    }

    /** Checks a volume's files; prints the findings and a last line with the exit code. */
    static boolean checkVolume(Path dir, PrintStream out, PrintStream progress) throws IOException {
        Properties metadata;
        long originBytes;
        try {
            metadata = VolumeCatalog.loadMetadata(dir);
            originBytes = Long.parseLong(metadata.getProperty("size"));
        } catch (IOException | RuntimeException e) {
            return notClean(out, VolumeCatalog.METADATA + " cannot be read (" + e.getMessage() + ")");
        }
        Path originPath = VolumeCatalog.originPath(dir, metadata);
        Path storePath = VolumeCatalog.storePath(dir, metadata);
        if (!Files.exists(originPath)) {
            return notClean(out, "the origin " + originPath + " is missing");
        }
        if (!Files.exists(storePath)) {
            return notClean(out, "the exception store " + storePath + " is missing");
        }
        long actualOrigin;
        try (FileBlockDevice origin = FileBlockDevice.open(originPath)) {
            actualOrigin = origin.size() / 512 * 512; // block devices need not end on a block
        }
        SharedExceptionStore store;
        try {
            store = SharedExceptionStore.open(FileBlockDevice.open(storePath), SharedExceptionStore.DEFAULT_CACHE_BYTES);
        } catch (IOException e) {
            return notClean(out, e.getMessage() + "; the store cannot be mounted");
        }
        try (store) {
            CheckReport report = StoreChecker.check(store, nodes -> progress.print("\r  walked " + nodes + " tree nodes"));
            progress.print("\r");
            List<String> problems = new ArrayList<>(report.problems());
            List<String> notes = new ArrayList<>(report.notes());
            // A resize grows the origin (flushed), then tells the store, then volume.properties: a crash in
            // between leaves the origin bigger than the others say, and the next start completes it.
            if (actualOrigin < originBytes) {
                problems.add("the origin is " + actualOrigin + " bytes, but volume.properties records " + originBytes);
            } else if (actualOrigin > originBytes) {
                notes.add("a resize was cut short by a crash: the origin has grown to " + actualOrigin
                        + " bytes, volume.properties still records " + originBytes + "; the server records the new"
                        + " size when it starts");
            }
            long originChunks = (actualOrigin + store.chunkSize() - 1) / store.chunkSize();
            if (originChunks < store.originChunks()) {
                problems.add("the store records an origin of " + store.originChunks() + " chunks, the origin has "
                        + originChunks + ": the files do not belong together");
            } else if (originChunks > store.originChunks()) {
                notes.add("a resize was cut short by a crash: the store knows " + store.originChunks()
                        + " origin chunks, the origin has " + originChunks + "; the server tells the store when it"
                        + " starts");
            }
            out.printf("  origin: %d bytes; store chunks: %d of %d in use, %d bytes each%n", originBytes,
                    report.usedChunks(), report.chunkCount(), store.chunkSize());
            out.printf("  tree: %d nodes, %d exception entries%n", report.nodes(), report.entries());
            printSnapshots(store.snapshots(), out);
            DeleteCursor cursor = store.deleteCursor();
            if (!cursor.idle()) {
                out.printf("  background delete paused at origin chunk %d; it resumes when the server starts%n",
                        cursor.originChunk());
            }
            checkRollbackJournal(dir.resolve(VolumeCatalog.ROLLBACK_JOURNAL), store.snapshots(), out, problems);
            checkCloneJournal(dir, out, problems);
            notes.forEach(note -> out.println("  note: " + note));
            problems.forEach(problem -> out.println("problem: " + problem));
            out.println(problems.isEmpty() ? "clean (exit 0)" : "NOT clean: " + problems.size() + " problem(s), the"
                    + " first: " + problems.get(0) + " (exit 1)");
            return problems.isEmpty();
        }
    }

    private static void printSnapshots(List<SnapshotInfo> snapshots, PrintStream out) {
        long live = snapshots.stream().filter(s -> s.state() == SnapshotState.LIVE).count();
        long deleting = snapshots.stream().filter(s -> s.state() == SnapshotState.DELETING).count();
        long invalid = snapshots.stream().filter(s -> s.state() == SnapshotState.INVALID).count();
        out.printf("  snapshots: %d live, %d being deleted, %d invalid%n", live, deleting, invalid);
    }

    /** A rollback journal must name a live snapshot; an interrupted rollback is reported, not a problem. */
    private static void checkRollbackJournal(Path journal, List<SnapshotInfo> snapshots, PrintStream out,
            List<String> problems) {
        Optional<RollbackJournal.Target> target;
        try {
            target = RollbackJournal.target(journal);
        } catch (IOException e) {
            problems.add(e.getMessage());
            return;
        }
        if (target.isEmpty()) {
            if (Files.exists(journal)) {
                out.println("  a rollback journal without a whole header (a crash before the rollback began); the"
                        + " server removes it when it starts");
            }
            return;
        }
        long id = target.get().snapshotId();
        String name = target.get().snapshotName();
        boolean live = snapshots.stream().anyMatch(s -> s.id() == id && s.name().equals(name)
                && s.state() == SnapshotState.LIVE);
        if (!live) {
            problems.add("the rollback journal names snapshot " + name + " (id " + id
                    + "), which is not a live snapshot of this volume");
        } else {
            out.println("  a rollback to snapshot " + name + " was interrupted; it resumes when the server starts");
        }
    }

    /** A clone whose copy is unfinished needs its source volume; the copy itself resumes when the server starts. */
    private static void checkCloneJournal(Path dir, PrintStream out, List<String> problems) {
        Optional<CloneFill.Source> source;
        try {
            source = CloneFill.recorded(dir.resolve(VolumeCatalog.CLONE_JOURNAL));
        } catch (IOException e) {
            problems.add(e.getMessage());
            return;
        }
        if (source.isEmpty()) {
            return;
        }
        Path sourceDir = dir.resolveSibling(source.get().volume());
        if (!Files.isRegularFile(sourceDir.resolve(VolumeCatalog.METADATA))) {
            problems.add("this clone's copy from " + source.get().from() + " is unfinished and volume "
                    + source.get().volume() + " is gone: the chunks not copied yet cannot be read");
        } else {
            out.println("  a clone whose copy from " + source.get().from() + " is unfinished; it resumes when the"
                    + " server starts");
        }
    }

    private static boolean notClean(PrintStream out, String problem) {
        out.println("problem: " + problem);
        out.println("NOT clean: " + problem + " (exit 1)");
        return false;
    }
}
