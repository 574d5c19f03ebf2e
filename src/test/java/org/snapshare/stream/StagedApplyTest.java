package org.snapshare.stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;

/** An apply that cannot even start ends cleanly: never an import stuck in APPLYING at every start. */
class StagedApplyTest {

    private static final StreamHeader FULL = new StreamHeader("src", 1 << 20, 65536, "s1", UUID.randomUUID(),
            Instant.EPOCH, Optional.empty(), 0, 0);

    @Test
    void aVolumeThatCannotBeCreatedDropsTheStagingAndSaysNothingWasApplied(@TempDir Path dir) throws Exception {
        ImportStaging staging = ImportStaging.create(dir.resolve("v"), new StreamRecord(RecordType.HEADER, 0, 0,
                RecordCodec.encode(RecordType.HEADER, 0, 0, FULL.encode())), FULL, false);
        staging.checkpoint();
        staging.phase(ImportStaging.Phase.VERIFIED);
        ReceiveTarget noSpace = new ReceiveTarget() {
            @Override
            public Optional<SnapshotCore> volume(String name) {
                return Optional.empty();
            }

            @Override
            public void checkSnapshotName(String name) {
            }

            @Override
            public SnapshotCore createVolume(String name, long sizeBytes) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public int originSessions(String name) {
                return 0;
            }

            @Override
            public Optional<ImportClaim> claimImport(String name) {
                return Optional.of(() -> { });
            }

            @Override
            public void snapshotReceived(String volume, String snapshot, LogicalUnit unit) {
                throw new AssertionError("nothing can be received");
            }
        };
        SnapshotException refused = assertThrows(SnapshotException.class,
                () -> new StagedApply(noSpace).apply("v", staging, new ImportProgress()));
        assertTrue(refused.getMessage().contains("No space left on device")
                && refused.getMessage().contains("nothing was applied"), refused.getMessage());
        assertTrue(ImportStaging.open(dir.resolve("v")).isEmpty(), "no staging left to fail at the next start");
    }
}
