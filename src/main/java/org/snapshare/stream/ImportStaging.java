package org.snapshare.stream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.snapshare.device.DurableFiles;
import org.snapshare.device.WriteRecorder;

/**
 * The records of an import received so far, kept apart from the volume until
 * the whole stream is verified: a log of the records as they came (the
 * header first) and a small state file saying how much of the log is good,
 * where in the volume a resume starts, and the phase. The state is replaced
 * atomically, after the log it describes is durable.
 */
final class ImportStaging {

    /** RECEIVING: records arrive (or stopped: a resume continues); VERIFIED: complete; APPLYING: being written. */
    enum Phase { RECEIVING, VERIFIED, APPLYING }

    private static final String LOG = "stream.log";
    private static final String STATE = "state.properties";

    private final Path dir;
    private final StreamHeader header;
    private final boolean force;
    private Phase phase;
    private long logBytes;
    private long resumeAt;
    /** Where the last record appended ends in the volume. */
    private long appendedEnd;
    private FileChannel log;

    private ImportStaging(Path dir, StreamHeader header, boolean force, Phase phase, long logBytes, long resumeAt) {
        this.dir = dir;
        this.header = header;
        this.force = force;
        this.phase = phase;
        this.logBytes = logBytes;
        this.resumeAt = resumeAt;
        this.appendedEnd = resumeAt;
    }

    /** A new staging for a stream whose header record is {@code headerRecord}; an old one there is dropped. */
    static ImportStaging create(Path dir, StreamRecord headerRecord, StreamHeader header, boolean force)
            throws IOException {
        delete(dir);
        Files.createDirectories(dir);
        ImportStaging staging = new ImportStaging(dir, header, force, Phase.RECEIVING, 0, 0);
        staging.append(headerRecord);
        staging.checkpoint();
        return staging;
    }

    /** The staging left in {@code dir} by an earlier import, if any, its log cut back to what its state vouches for. */
    static Optional<ImportStaging> open(Path dir) throws IOException {
        Path state = dir.resolve(STATE);
        if (!Files.exists(state)) {
            return Optional.empty();
        }
        if (!Files.exists(dir.resolve(LOG))) { // never left by this code: the state goes first (see delete)
            delete(dir);
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(state, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        long logBytes = Long.parseLong(properties.getProperty("log-bytes"));
        StreamHeader header;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(LOG)))) {
            header = StreamReader.ofStaged(in).header();
        }
        ImportStaging staging = new ImportStaging(dir, header, Boolean.parseBoolean(properties.getProperty("force")),
                Phase.valueOf(properties.getProperty("phase")), logBytes,
                Long.parseLong(properties.getProperty("resume-at")));
        try (FileChannel channel = FileChannel.open(dir.resolve(LOG), StandardOpenOption.WRITE)) {
            channel.truncate(logBytes); // a torn tail past the last checkpoint
        }
        return Optional.of(staging);
    }

    StreamHeader header() {
        return header;
    }

    boolean force() {
        return force;
    }

    Phase phase() {
        return phase;
    }

    long resumeAt() {
        return resumeAt;
    }

    long logBytes() {
        return logBytes;
    }

    Path dir() {
        return dir;
    }

    /** Adds a record to the log; a resume starts after it once a checkpoint has made it durable. */
    void append(StreamRecord record) throws IOException {
        if (log == null) {
            log = FileChannel.open(dir.resolve(LOG), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        ByteBuffer bytes = ByteBuffer.wrap(record.bytes());
        long start = System.nanoTime();
        long at = logBytes;
        while (bytes.hasRemaining()) {
            at += log.write(bytes, at);
        }
        WriteRecorder.recordWrite(dir.resolve(LOG), start, logBytes, bytes.flip());
        logBytes = at; // only whole records count: a failed write leaves the good length as it was
        if (record.type() != RecordType.HEADER) {
            appendedEnd = record.end();
        }
    }

    /** Makes the log durable, then records that it is good up to here, and that a resume starts after it. */
    void checkpoint() throws IOException {
        if (log != null) {
            long start = System.nanoTime();
            log.force(false);
            WriteRecorder.recordFlush(dir.resolve(LOG), start);
        }
        resumeAt = appendedEnd;
        writeState();
    }

    void phase(Phase next) throws IOException {
        phase = next;
        writeState();
    }

    private void writeState() throws IOException {
        Properties properties = new Properties();
        properties.setProperty("phase", phase.name());
        properties.setProperty("log-bytes", Long.toString(logBytes));
        properties.setProperty("resume-at", Long.toString(resumeAt));
        properties.setProperty("force", Boolean.toString(force));
        StringWriter text = new StringWriter();
        properties.store(text, "an import in progress (docs/STREAM.md); delete the directory to abandon it");
        DurableFiles.replace(dir.resolve(STATE), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** What to do with each staged record when the stream is applied. */
    @FunctionalInterface
    interface RecordVisitor {
        void visit(StreamRecord record) throws IOException;
    }

    /** Reads the log again, checking every record, and hands each data and zero record to {@code visitor}. */
    void replay(RecordVisitor visitor) throws IOException {
        close();
        try (InputStream in = new BufferedInputStream(Channels.newInputStream(
                FileChannel.open(dir.resolve(LOG), StandardOpenOption.READ)), 1 << 20)) {
            StreamReader reader = StreamReader.ofStaged(in);
            reader.header();
            for (StreamRecord record = reader.next(); record != null; record = reader.next()) {
                visitor.visit(record);
            }
        }
    }

    void close() throws IOException {
        if (log != null) {
            log.close();
            log = null;
        }
    }

    /** Drops the staging: the import finished or was abandoned. */
    void delete() throws IOException {
        close();
        delete(dir);
    }

    /**
     * The state first, durably: a crash part way leaves a directory without state, which is no
     * staging at all (and a finished import's state never comes back to be applied again).
     */
    private static void delete(Path dir) throws IOException {
        DurableFiles.remove(dir.resolve(STATE));
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }
}
