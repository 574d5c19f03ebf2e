package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.snapshare.appliance.UnitBytes.randomBytes;
import static org.snapshare.appliance.UnitBytes.read;
import static org.snapshare.appliance.UnitBytes.write;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.snapshot.CloneFill;
import org.snapshare.snapshot.SnapshotStatus;

/**
 * `volume clone` on the whole server, real files: a clone reads as its
 * source snapshot at once and after its copy, a clone of a clone too, both
 * outlive their source snapshots and volumes and a restart; refusals leave
 * nothing behind.
 */
class VolumeCloneTest {

    private static final int SIZE = 8 << 20;

    @TempDir
    Path dir;

    private Appliance start() throws Exception {
        return Appliance.start(ApplianceConfig.defaults().with("data-dir", dir.resolve("data").toString())
                .with("portal", "127.0.0.1:0").with("default-volume-size", "1M"));
    }

    @Test
    void aCloneOfACloneOutlivesItsSourcesAndARestart() throws Exception {
        Random random = new Random(31);
        byte[] golden = randomBytes(random, SIZE);
        byte[] second;
        try (Appliance appliance = start()) {
            appliance.createVolume(VolumeSpec.ofSize("gold", SIZE));
            write(appliance.core("gold").origin(), 0, golden);
            appliance.createSnapshot("gold", "base");
            appliance.createSnapshot("gold", "patched", Optional.of("base"));
            byte[] patch = randomBytes(random, 3 * 65536 + 512);
            write(appliance.core("gold").snapshotUnit("patched"), 100_000, patch);
            System.arraycopy(patch, 0, golden, 100_000, patch.length); // the clone's source: a snapshot of a snapshot
            write(appliance.core("gold").origin(), 0, randomBytes(random, SIZE)); // the origin moves on

            appliance.cloneVolume("vm1", "gold@patched");
            assertArrayEquals(golden, read(appliance.core("vm1").origin()), "the clone reads as its source at once");
            byte[] mine = randomBytes(random, 70_000);
            write(appliance.core("vm1").origin(), 5_000_000, mine); // written while its copy may still run
            second = golden.clone();
            System.arraycopy(mine, 0, second, 5_000_000, mine.length);
            appliance.createSnapshot("vm1", "t");
            write(appliance.core("vm1").origin(), 0, randomBytes(random, 4096)); // after t: not in the clone of t
            appliance.cloneVolume("vm2", "vm1@t");
            assertArrayEquals(second, read(appliance.core("vm2").origin()), "the clone of the clone, at once");

            appliance.deleteSnapshot("gold", "patched", false); // kept for the copy, gone for the user
            awaitCopied(appliance, "vm1");
            awaitCopied(appliance, "vm2");
            awaitKeptSnapshotsGone(appliance, "vm1"); // deleted when vm2's copy ended; background delete forgets it
            appliance.deleteVolume("gold", false);
            appliance.deleteVolume("vm1", false);
            assertFalse(appliance.volumeNames().contains("gold"));
            assertTrue(appliance.core("vm2").snapshotStates().isEmpty(), "vm2 has no snapshots of its own");
        }
        try (Appliance restarted = start()) {
            assertArrayEquals(second, read(restarted.core("vm2").origin()), "after its sources went and a restart");
            assertEquals("ok", restarted.reports().volumeSummary("vm2").state());
            assertFalse(Files.exists(dir.resolve("data/volumes/vm2/clone.journal")), "the copy's journal is gone");
        }
    }

    @Test
    void aKeptSourceSnapshotIsNeitherServedNorTheUsersAndGoesWhenNoCloneNeedsIt() throws Exception {
        String kept = CloneFill.sourceSnapshotName("vm9", 1);
        try (Appliance appliance = start()) {
            appliance.createVolume(VolumeSpec.ofSize("gold", SIZE));
            appliance.core("gold").createSnapshot(kept); // as a clone whose deletion a crash cut short left it
            assertFalse(appliance.core("gold").servedSnapshots().containsKey(kept), "never served");
            ConfigException refused = assertThrows(ConfigException.class,
                    () -> appliance.deleteSnapshot("gold", kept, false));
            assertTrue(refused.getMessage().contains("keeps the data of a clone"), refused.getMessage());
            assertThrows(ConfigException.class, () -> appliance.resetSnapshot("gold", kept, false));
            assertThrows(ConfigException.class, () -> appliance.createSnapshot("gold", "x", Optional.of(kept)));
        }
        try (Appliance restarted = start()) {
            SnapshotStatus.State state = restarted.core("gold").snapshotStates().get(kept);
            assertTrue(state == null || state == SnapshotStatus.State.DELETING, "no clone needs it: deleted at the"
                    + " start, not " + state);
        }
    }

    @Test
    void refusedClonesLeaveNothingBehind() throws Exception {
        try (Appliance appliance = start()) {
            appliance.createVolume(VolumeSpec.ofSize("gold", SIZE));
            appliance.createSnapshot("gold", "base");
            ConfigException taken = assertThrows(ConfigException.class, () -> appliance.cloneVolume("vol0",
                    "gold@base"));
            assertEquals(ConfigException.Reason.CONFLICT, taken.reason(), taken.getMessage());
            assertThrows(Exception.class, () -> appliance.cloneVolume("vm1", "gold@nope"));
            assertThrows(ConfigException.class, () -> appliance.cloneVolume("vm1", "nowhere@base"));
            ConfigException bad = assertThrows(ConfigException.class, () -> appliance.cloneVolume("vm1", "gold@Bad"));
            assertTrue(bad.getMessage().contains("invalid snapshot name"), bad.getMessage());
            assertEquals(1, appliance.core("gold").snapshots().size(), "no snapshot was left for a refused clone");
            assertFalse(appliance.volumeNames().contains("vm1"));
        }
    }

    private static void awaitKeptSnapshotsGone(Appliance appliance, String volume) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (appliance.core(volume).snapshotStates().keySet().stream().anyMatch(CloneFill::isSourceSnapshot)) {
            assertTrue(System.nanoTime() < deadline, "the snapshot of " + volume + " kept for a clone's copy did not"
                    + " go: " + appliance.core(volume).snapshotStates());
            Thread.sleep(10);
        }
    }

    private static void awaitCopied(Appliance appliance, String volume) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!appliance.reports().volumeSummary(volume).state().equals("ok")) {
            assertTrue(System.nanoTime() < deadline, "the copy of " + volume + " did not end: "
                    + appliance.reports().volumeSummary(volume).state());
            Thread.sleep(10);
        }
    }
}
