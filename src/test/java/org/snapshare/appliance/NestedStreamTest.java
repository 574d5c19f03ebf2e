package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.snapshare.appliance.UnitBytes.randomBytes;
import static org.snapshare.appliance.UnitBytes.read;
import static org.snapshare.appliance.UnitBytes.write;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.snapshot.SnapshotStatus;

/**
 * A tree of snapshots sent to another server: a snapshot's stream since its
 * parent is received as a snapshot of the parent there (same tree, same
 * content), the receiver's origin untouched even while an initiator writes
 * it; a stream since another snapshot stays an ordinary incremental one.
 */
class NestedStreamTest {

    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;

    private Appliance start(String name) throws Exception {
        return Appliance.start(ApplianceConfig.defaults().with("data-dir", dir.resolve(name).toString())
                .with("portal", "127.0.0.1:0").with("default-volume-size", "1M"));
    }

    @Test
    void aSnapshotOfASnapshotArrivesAsOneWithItsContent() throws Exception {
        Random random = new Random(7);
        try (Appliance source = start("source"); Appliance replica = start("replica")) {
            source.createVolume(VolumeSpec.ofSize("web", SIZE));
            write(source.core("web").origin(), 0, randomBytes(random, SIZE));
            source.createSnapshot("web", "base");
            source.createSnapshot("web", "child", Optional.of("base"));
            write(source.core("web").snapshotUnit("child"), 1_000_000, randomBytes(random, 300_000));
            source.createSnapshot("web", "grandchild", Optional.of("child"));
            write(source.core("web").snapshotUnit("grandchild"), 3_000_000, randomBytes(random, 5000));
            write(source.core("web").origin(), 0, randomBytes(random, SIZE)); // the origin moves on

            send(source, replica, "base", Optional.empty());
            byte[] replicaOrigin = randomBytes(random, SIZE);
            write(replica.core("web").origin(), 0, replicaOrigin); // the replica's own use of its origin
            send(source, replica, "child", Optional.of("base"));
            send(source, replica, "grandchild", Optional.of("child"));

            for (String name : List.of("base", "child", "grandchild")) {
                assertArrayEquals(read(source.core("web").snapshotUnit(name)),
                        read(replica.core("web").snapshotUnit(name)), name + " arrived with its content");
            }
            List<SnapshotSummary> rows = replica.reports().snapshotSummaries("web");
            assertEquals(List.of("base", "child", "grandchild"), rows.stream().map(SnapshotSummary::name).toList());
            assertEquals(null, rows.get(0).parent());
            assertEquals("base", rows.get(1).parent(), "received as a snapshot of its parent");
            assertEquals("child", rows.get(2).parent());
            assertTrue(replica.reports().snapshotSummaries("web").stream().allMatch(
                    row -> row.state() == SnapshotStatus.State.LIVE), "none left half received");
            assertArrayEquals(replicaOrigin, read(replica.core("web").origin()), "the replica's origin is untouched");
            assertFalse(replica.core("web").servedSnapshots().keySet().stream().anyMatch(n -> n.contains(":")));
        }
    }

    private static void send(Appliance from, Appliance to, String snapshot, Optional<String> base) throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        from.streams().exportSnapshot("web", snapshot, base, 0, stream);
        String report = to.streams().importSnapshot("web", new ByteArrayInputStream(stream.toByteArray()), false,
                false);
        assertTrue(report.contains("received snapshot " + snapshot), report);
    }
}
