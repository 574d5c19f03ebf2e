package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The durable record of a rollback ({@link CursorJournal}, header "rollback
 * ID NAME" naming the snapshot), so it resumes after a crash without undoing
 * origin writes made while it ran.
 */
public final class RollbackJournal {

    private static final String KIND = "rollback";

    /** What a journal says after a restart. */
    record State(long snapshotId, String snapshotName, long cursor, Set<Long> done) {
    }

    /** The snapshot a journal's header names. */
    public record Target(long snapshotId, String snapshotName) {
    }

    private final CursorJournal journal;

    RollbackJournal(Path path) {
        this.journal = new CursorJournal(path, KIND, 2);
    }

    /**
     * The rollback the journal at {@code path} records: empty when there is none (no file, or a header a
     * crash cut short); an error when its first line is whole and no header.
     */
    public static Optional<Target> target(Path path) throws IOException {
        return new RollbackJournal(path).target();
    }

    private Optional<Target> target() throws IOException {
        Optional<List<String>> header = journal.header();
        return header.isEmpty() ? Optional.empty() : Optional.of(targetOf(header.get()));
    }

    private Target targetOf(List<String> header) throws IOException {
        try {
            return new Target(Long.parseLong(header.get(0)), header.get(1));
        } catch (NumberFormatException e) {
            throw journal.notAJournal(KIND + " " + String.join(" ", header));
        }
    }

    Optional<State> read() throws IOException {
        Optional<CursorJournal.Progress> progress = journal.read();
        if (progress.isEmpty()) {
            return Optional.empty();
        }
        Target target = targetOf(progress.get().header());
        return Optional.of(new State(target.snapshotId(), target.snapshotName(), progress.get().cursor(),
                progress.get().done()));
    }

    void begin(long snapshotId, String snapshotName) throws IOException {
        journal.begin(List.of(Long.toString(snapshotId), snapshotName));
    }

    void cursor(long chunk) throws IOException {
        journal.cursor(chunk);
    }

    void done(long chunk) throws IOException {
        journal.done(chunk);
    }

    void finish() throws IOException {
        journal.finish();
    }

    void close() throws IOException {
        journal.close();
    }
}
