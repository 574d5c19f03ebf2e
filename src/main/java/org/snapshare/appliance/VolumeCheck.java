package org.snapshare.appliance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.store.CheckReport;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;

/**
 * `snapshare check VOLUME`: walks a volume's exception store offline, with
 * the data directory locked so no server changes it meanwhile. Reports, never
 * repairs.
 */
public final class VolumeCheck {

    private VolumeCheck() {
    }

    /** Prints the findings; true when the store is clean. */
    public static boolean run(ApplianceConfig config, String volume, PrintStream out, PrintStream progress)
            throws ConfigException, IOException {
        VolumeNames.check(volume);
        Path dataDir = config.dataDir();
        if (!Files.isDirectory(dataDir.resolve("volumes").resolve(volume))) {
            throw new ConfigException("no volume named " + volume + " in " + dataDir);
        }
        try (DataDirLock lock = DataDirLock.acquire(dataDir,
                "check runs offline: stop the server (systemctl stop snapshare) and run it again")) {
            Path storePath = new VolumeCatalog(dataDir, config.chunkSize()).storePath(volume);
            if (!Files.isRegularFile(storePath)) {
                throw new ConfigException("volume " + volume + " has no exception store (" + storePath + ")");
            }
            out.println("checking the exception store of volume " + volume + " (" + storePath + ")");
            SharedExceptionStore store;
            try {
                store = SharedExceptionStore.open(FileBlockDevice.open(storePath), SharedExceptionStore.DEFAULT_CACHE_BYTES);
            } catch (IOException e) {
                out.println("problem: " + e.getMessage());
                out.println("NOT clean: the store cannot be mounted");
                return false;
            }
            try (store) {
                CheckReport report = StoreChecker.check(store,
                        nodes -> progress.print("\r  walked " + nodes + " tree nodes"));
                progress.print("\r");
                out.printf("  chunks: %d of %d in use, %d bytes each%n", report.usedChunks(), report.chunkCount(),
                        store.chunkSize());
                out.printf("  tree: %d nodes, %d exception entries; snapshots: %d%n", report.nodes(),
                        report.entries(), report.snapshots());
                report.problems().forEach(problem -> out.println("problem: " + problem));
                out.println(report.clean() ? "clean" : "NOT clean: " + report.problems().size() + " problem(s)");
                return report.clean();
            }
        }
    }
}
