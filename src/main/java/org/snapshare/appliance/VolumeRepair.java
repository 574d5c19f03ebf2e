package org.snapshare.appliance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreRepair;

/**
 * `snapshare repair VOLUME`: offline, like thin_repair. Rebuilds the
 * exception store's tree from the entries still readable, frees what nothing
 * refers to any more, makes the snapshots that may have lost copies invalid
 * (never served with a wrong chunk), says what it did, and checks the volume.
 * The origin is never touched.
 */
public final class VolumeRepair {

    private VolumeRepair() {
    }

    /** True when the volume checks clean after the repair. */
    public static boolean run(ApplianceConfig config, String volume, PrintStream out, PrintStream progress)
            throws ConfigException, IOException {
        return VolumeCheck.offline(config, volume, "repair", dir -> repair(volume, dir, out, progress));
    }

    private static boolean repair(String volume, Path dir, PrintStream out, PrintStream progress) throws IOException {
        Path storePath = VolumeCatalog.storePath(dir, VolumeCatalog.loadMetadata(dir));
        out.println("repairing volume " + volume + " (" + storePath + ")");
        SharedExceptionStore store;
        try {
            store = SharedExceptionStore.open(FileBlockDevice.open(storePath), SharedExceptionStore.DEFAULT_CACHE_BYTES);
        } catch (IOException e) {
            out.println("NOT repaired: the store cannot be mounted (" + e.getMessage() + "); repair needs a readable"
                    + " commit block, space map and snapshot table (exit 1)");
            return false;
        }
        try (store) {
            StoreRepair.Result result = StoreRepair.repair(store, blocks -> progress.print("\r  read " + blocks
                    + " metadata blocks"));
            progress.print("\r");
            out.printf("  metadata copies rewritten from their good twin: %d%n", result.copiesHealed());
            out.printf("  damaged tree nodes skipped: %s%n", result.damagedNodes().isEmpty() ? "none"
                    : result.damagedNodes().toString().replaceAll("[\\[\\]]", ""));
            out.printf("  exception entries kept: %d, dropped (unsound): %d%n", result.entriesKept(),
                    result.entriesDropped());
            out.printf("  chunks freed (unreachable or leaked): %d; in use but marked free, now marked used: %d%n",
                    result.chunksFreed(), result.chunksClaimed());
            out.printf("  snapshots made invalid (they may have lost copies): %s%n", result.invalidated().isEmpty()
                    ? "none" : String.join(", ", result.invalidated()));
        }
        out.println("checking volume " + volume + " after the repair");
        return VolumeCheck.checkVolume(dir, out, progress);
    }
}
