package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a rollback journal says after a crash, however much of it reached the disk. */
class RollbackJournalTest {

    @TempDir
    Path dir;

    /**
     * Found by the power-cut check: a cut between the journal's creation and its header's force left an
     * empty file (or a page of zeros), and the volume would not start ("not a rollback journal").
     */
    @Test
    void aHeaderTheCrashCutShortMeansTheRollbackNeverBegan() throws Exception {
        for (byte[] content : new byte[][] {new byte[0], new byte[4096], "rollback 3 s".getBytes(StandardCharsets.UTF_8)}) {
            Path path = dir.resolve("journal");
            Files.write(path, content);
            RollbackJournal journal = new RollbackJournal(path);
            assertTrue(journal.read().isEmpty());
            assertFalse(Files.exists(path), "removed, so the next rollback starts afresh");
            journal.close();
        }
    }

    @Test
    void aWholeHeaderResumesWithItsStepsAndATornLastStepIsRedone() throws Exception {
        Path path = dir.resolve("journal");
        Files.writeString(path, "rollback 3 s1\ncursor 256\ndone 700\ndone 9", StandardCharsets.UTF_8); // 9 of 900
        RollbackJournal journal = new RollbackJournal(path);
        RollbackJournal.State state = journal.read().orElseThrow();
        journal.close();
        assertEquals(new RollbackJournal.State(3, "s1", 256, Set.of(700L)), state);
    }

    @Test
    void aWholeFirstLineThatIsNoHeaderIsRefusedWithAdvice() throws Exception {
        Path path = dir.resolve("journal");
        Files.writeString(path, "hello world\n", StandardCharsets.UTF_8);
        IOException refused = assertThrows(IOException.class, () -> new RollbackJournal(path).read());
        assertTrue(refused.getMessage().contains("is not a rollback journal (first line 'hello world'); move it away"),
                refused.getMessage());
    }
}
