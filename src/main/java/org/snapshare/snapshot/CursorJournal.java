package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snapshare.device.DurableFiles;
import org.snapshare.device.WriteRecorder;

/**
 * The durable record of a chunk-by-chunk job over a volume (a rollback, a
 * clone's copy), so it resumes after a crash without undoing writes made
 * while it ran: a header line (the job's kind and its words), then "cursor
 * N" (chunks below N are done) and "done C" (chunk C was done early, because
 * a write came to it) lines, each forced to disk before anything relies on
 * it. A torn last line is ignored: the step it recorded is simply redone. A
 * torn or missing header (a power cut before its force returned: the job
 * never began) counts as no journal.
 */
final class CursorJournal {

    /** What a journal says after a restart: its header's words after the kind, and the chunks done. */
    record Progress(List<String> header, long cursor, Set<Long> done) {
    }

    private final Path path;
    private final String kind;
    private final int headerWords;
    private FileChannel channel;

    /** A journal whose header is {@code kind} and {@code headerWords} more words. */
    CursorJournal(Path path, String kind, int headerWords) {
        this.path = path;
        this.kind = kind;
        this.headerWords = headerWords;
    }

    /**
     * The header's words after the kind: empty when there is no journal (no
     * file, or a header a crash cut short); an error when its first line is
     * whole and not such a header.
     */
    Optional<List<String>> header() throws IOException {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        String text = Files.readString(path, StandardCharsets.ISO_8859_1); // any bytes, even a torn page's
        int end = text.indexOf('\n');
        if (end < 0) {
            return Optional.empty();
        }
        List<String> words = Arrays.asList(text.substring(0, end).split(" "));
        if (words.size() != headerWords + 1 || !words.get(0).equals(kind)) {
            throw notAJournal(text.substring(0, end));
        }
        return Optional.of(words.subList(1, words.size()));
    }

    /** The refusal of a journal file whose whole first line is not this kind's header. */
    IOException notAJournal(String firstLine) {
        return new IOException(path + " is not a " + kind + " journal (first line '" + firstLine
                + "'); move it away to start without resuming the " + kind);
    }

    /** The journal's progress, opened to append more; empty (and the file gone) when there is none. */
    Optional<Progress> read() throws IOException {
        Optional<List<String>> header = header();
        if (header.isEmpty()) {
            Files.deleteIfExists(path); // a header a crash cut short: that job never began
            return Optional.empty();
        }
        String text = Files.readString(path, StandardCharsets.ISO_8859_1);
        // Only whole lines: a torn "done 700" would read as "done 7" and skip a chunk that was never done.
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
        return Optional.of(new Progress(header.get(), cursor, done));
    }

    /** Starts a new journal: its header, durable with its directory entry. */
    void begin(List<String> words) throws IOException {
        if (words.size() != headerWords) {
            throw new IllegalArgumentException(kind + " journal header needs " + headerWords + " words: " + words);
        }
        DurableFiles.remove(path);
        openForAppend();
        append(kind + " " + String.join(" ", words));
        DurableFiles.forceDirectory(path.getParent());
    }

    void cursor(long chunk) throws IOException {
        append("cursor " + chunk);
    }

    void done(long chunk) throws IOException {
        append("done " + chunk);
    }

    private synchronized void append(String line) throws IOException {
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

    /** The job is over: the journal goes. */
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
