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
import org.snapshare.device.WriteRecorder;

/**
 * The durable record of a rollback, so it resumes after a crash without
 * undoing origin writes made while it ran: a header line naming the
 * snapshot, then "cursor N" (chunks below N are rolled back) and "done C"
 * (chunk C was rolled back early, because the origin wrote to it) lines,
 * each forced to disk before the origin relies on it. A torn last line is
 * ignored: the step it recorded is simply redone.
 */
final class RollbackJournal {

    /** What a journal says after a restart. */
    record State(long snapshotId, String snapshotName, long cursor, Set<Long> done) {
    }

    private final Path path;
    private FileChannel channel;

    RollbackJournal(Path path) {
        this.path = path;
    }

    Optional<State> read() throws IOException {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        String[] header = lines.isEmpty() ? new String[0] : lines.get(0).split(" ");
        if (header.length != 3 || !header[0].equals("rollback")) {
            throw new IOException(path + " is not a rollback journal (first line '" + (lines.isEmpty() ? "" : lines.get(0))
                    + "'); move it away to start without resuming the rollback");
        }
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
                // the last line may be torn by a crash; its step is redone
            }
        }
        openForAppend();
        return Optional.of(new State(Long.parseLong(header[1]), header[2], cursor, done));
    }

    void begin(long snapshotId, String snapshotName) throws IOException {
        long start = System.nanoTime();
        Files.deleteIfExists(path);
        WriteRecorder.recordRemove(path, start);
        openForAppend();
        append("rollback " + snapshotId + " " + snapshotName);
        forceDirectory();
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
        long start = System.nanoTime();
        Files.deleteIfExists(path);
        forceDirectory();
        WriteRecorder.recordRemove(path, start);
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

    private void forceDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
