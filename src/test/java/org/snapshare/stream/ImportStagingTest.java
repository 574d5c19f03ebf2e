package org.snapshare.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The staging of an import: what a checkpoint vouches for survives a crash, and nothing else. */
class ImportStagingTest {

    private static final StreamHeader HEADER = new StreamHeader("src", 1 << 20, 65536, "s1", UUID.randomUUID(),
            Instant.EPOCH, Optional.empty(), 0, 1 << 20);

    private static StreamRecord data(long offset, int length) {
        ByteBuffer payload = ByteBuffer.allocate(length);
        payload.put(0, (byte) 7);
        return new StreamRecord(RecordType.DATA, offset, length,
                RecordCodec.encode(RecordType.DATA, offset, length, payload));
    }

    private static StreamRecord header() {
        return new StreamRecord(RecordType.HEADER, 0, 0, RecordCodec.encode(RecordType.HEADER, 0, 0,
                HEADER.encode()));
    }

    @Test
    void aReopenedStagingHoldsWhatItsLastCheckpointVouchedFor(@TempDir Path dir) throws Exception {
        ImportStaging staging = ImportStaging.create(dir.resolve("v"), header(), HEADER, false);
        staging.append(data(0, 4096));
        staging.append(data(8192, 4096));
        staging.checkpoint();
        staging.append(data(65536, 4096)); // after the checkpoint: a crash forgets it
        staging.close();

        ImportStaging reopened = ImportStaging.open(dir.resolve("v")).orElseThrow();
        assertEquals(12288, reopened.resumeAt());
        assertEquals(HEADER, reopened.header());
        assertEquals(ImportStaging.Phase.RECEIVING, reopened.phase());
        List<Long> offsets = new ArrayList<>();
        reopened.replay(record -> offsets.add(record.offset()));
        assertEquals(List.of(0L, 8192L), offsets, "the record past the checkpoint was cut off");
    }

    @Test
    void deleteTakesTheStateFirstAndAStateWithoutItsLogIsNoStaging(@TempDir Path dir) throws Exception {
        ImportStaging staging = ImportStaging.create(dir.resolve("v"), header(), HEADER, false);
        staging.append(data(0, 4096));
        staging.checkpoint();
        staging.close();
        Files.delete(dir.resolve("v").resolve("stream.log")); // as a crash inside an old delete would leave it
        assertTrue(ImportStaging.open(dir.resolve("v")).isEmpty());
        assertFalse(Files.exists(dir.resolve("v")), "the useless state was removed");
    }
}
