package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snapshare.device.DurableFiles;
import org.snapshare.device.WriteRecorder;

/**
 * The durable record of a rollback, so it resumes after a crash without
 * undoing origin writes made while it ran: a header line naming the
 * snapshot, then "cursor N" (chunks below N are rolled back) and "done C"
 * (chunk C was rolled back early, because the origin wrote to it) lines,
 * each forced to disk before the origin relies on it. A torn last line is
 * ignored: the step it recorded is simply redone. A torn or missing header
 * (a power cut before its force returned: the rollback never began) counts
 * as no journal.
 */
public final class RollbackJournal {

    /** What a journal says after a restart. */
    record State(long snapshotId, String snapshotName, long cursor, Set<Long> done) {
    }

    /** The snapshot a journal's header names. */
    public record Target(long snapshotId, String snapshotName) {
    }

    private final Path path;
    private FileChannel channel;

    RollbackJournal(Path path) {
        this.path = path;
    }

    /**
     * The rollback the journal at {@code path} records: empty when there is none (no file, or a header a
     * crash cut short); an error when its first line is whole and no header.
     */
    public static Optional<Target> target(Path path) throws IOException {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        String text = Files.readString(path, StandardCharsets.ISO_8859_1); // any bytes, even a torn page's
        int end = text.indexOf('\n');
        if (end < 0) {
            return Optional.empty();
        }
        String[] header = text.substring(0, end).split(" ");
        try {
            if (header.length == 3 && header[0].equals("rollback")) {
                return Optional.of(new Target(Long.parseLong(header[1]), header[2]));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(path + " is not a rollback journal (first line '" + text.substring(0, end)
                + "'); move it away to start without resuming the rollback");
    }

    Optional<State> read() throws IOException {
        Optional<Target> target = target(path);
        if (target.isEmpty()) {
            Files.deleteIfExists(path); // a header a crash cut short: that rollback never began
            return Optional.empty();
        }
        String text = Files.readString(path, StandardCharsets.ISO_8859_1);
        // Only whole lines: a torn "done 700" would read as "done 7" and skip a chunk that was never rolled.
        List<String> lines = List.of(text.substring(0, text.lastIndexOf('\n') + 1).split("\n"));
        long cursor = 0;
        Set<Long> done = new HashSet<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] words = line.split(" ");
            try {
                if (words.length == 2 && words[0].equals("cursor")) {
                    cursor = Math.max(cursor, Long.parseLong(words[1]));
                } else if (words.length == 2 && words[0].equals("done")) {
                    done.add(Long.parseLong(words[1]));
                }
            } catch (NumberFormatException torn) {
                // a line with bytes of a page a crash lost: its step is redone
            }
        }
        openForAppend();
        return Optional.of(new State(target.get().snapshotId(), target.get().snapshotName(), cursor, done));
    }

    void begin(long snapshotId, String snapshotName) throws IOException {
        DurableFiles.remove(path);
        openForAppend();
        append("rollback " + snapshotId + " " + snapshotName);
        DurableFiles.forceDirectory(path.getParent());
    }

    synchronized void append(String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        long start = System.nanoTime();
        long offset = WriteRecorder.active() ? channel.size() : 0;
        ByteBuffer recorded = bytes.duplicate();
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        WriteRecorder.recordWrite(path, start, offset, recorded);
        long flushStart = System.nanoTime();
        channel.force(false);
        WriteRecorder.recordFlush(path, flushStart);
    }

    synchronized void finish() throws IOException {
        close();
        DurableFiles.remove(path);
    }

    synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private synchronized void openForAppend() throws IOException {
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }
}
