package org.snapshare.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Records every change this process makes to its devices (writes with their
 * bytes, flushes, hole punches, growth) and to the files beside them whose
 * state a crash must keep in step with the devices (the rollback journal,
 * volume metadata) into one log file, for crash analysis
 * from outside: a tool rebuilds the devices a power cut at any moment would
 * have left (keeping what a returned flush covered, and any mix of the rest),
 * then checks and serves them. Off unless the environment variable
 * {@value #ENVIRONMENT} names the log file. {@link FileBlockDevice}, the one
 * device class that touches files, records itself; other writers call the
 * static {@code record...} methods.
 *
 * <p>Log format, big-endian, one record after another: kind (1 byte), device
 * id (int), start and end of the call (System.nanoTime, CLOCK_MONOTONIC, so
 * comparable with other processes' clocks), then by kind: OPEN: size at open
 * (long), path length (int), path (UTF-8); WRITE: offset (long), length
 * (int), the bytes; FLUSH: nothing; PUNCH: offset, length (longs); GROW: new
 * size (long); REMOVE: nothing (the file was deleted, durably); REPLACE: the
 * length (int) and bytes of the file's whole new content (an atomic, durable
 * replace). A file first named by a change gets an OPEN with its size then.
 * Records are appended in the order their calls ended.
 */
public final class WriteRecorder {

    public static final String ENVIRONMENT = "SNAPSHARE_WRITE_LOG";

    public static final byte OPEN = 1;
    public static final byte WRITE = 2;
    public static final byte FLUSH = 3;
    public static final byte PUNCH = 4;
    public static final byte GROW = 5;
    public static final byte REMOVE = 6;
    public static final byte REPLACE = 7;

    /** The process's recorder, or null when recording is off. */
    private static final WriteRecorder ACTIVE = openFromEnvironment();

    private final FileChannel log;
    private final Map<Path, Integer> ids = new HashMap<>();

    private WriteRecorder(FileChannel log) {
        this.log = log;
    }

    private static WriteRecorder openFromEnvironment() {
        String file = System.getenv(ENVIRONMENT);
        if (file == null || file.isEmpty()) {
            return null;
        }
        try {
            return open(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(ENVIRONMENT + "=" + file + " cannot be opened for appending", e);
        }
    }

    /** A recorder appending to {@code log} (the process's own one comes from the environment). */
    static WriteRecorder open(Path log) throws IOException {
        return new WriteRecorder(FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND));
    }

    /** The recorder of the device at {@code path}, opened now with {@code size} bytes; null when recording is off. */
    static Device device(Path path, long size) throws IOException {
        if (ACTIVE == null) {
            return null;
        }
        return ACTIVE.register(path, size);
    }

    /** Whether this process records; callers skip preparing a record otherwise. */
    public static boolean active() {
        return ACTIVE != null;
    }

    /** {@code data} (position to limit) was written at {@code offset} of {@code file}, a call begun at {@code start}. */
    public static void recordWrite(Path file, long start, long offset, ByteBuffer data) throws IOException {
        if (ACTIVE != null) {
            ACTIVE.register(file, sizeOrZero(file)).wrote(start, offset, data);
        }
    }

    /** {@code file} was forced to disk. */
    public static void recordFlush(Path file, long start) throws IOException {
        if (ACTIVE != null) {
            ACTIVE.register(file, sizeOrZero(file)).flushed(start);
        }
    }

    /** {@code file} was deleted and its directory forced. */
    public static void recordRemove(Path file, long start) throws IOException {
        if (ACTIVE != null) {
            ACTIVE.register(file, 0).removed(start);
        }
    }

    /** {@code file} was atomically and durably replaced by {@code content}. */
    public static void recordReplace(Path file, long start, byte[] content) throws IOException {
        if (ACTIVE != null) {
            ACTIVE.register(file, 0).replaced(start, content);
        }
    }

    private static long sizeOrZero(Path file) {
        try {
            return Files.size(file);
        } catch (IOException absent) {
            return 0;
        }
    }

    /** Names the device in the log the first time; the handle reports its changes. */
    synchronized Device register(Path device, long size) throws IOException {
        Path path = device.toAbsolutePath().normalize();
        Integer known = ids.get(path);
        int id = known != null ? known : ids.size() + 1;
        if (known == null) {
            ids.put(path, id);
            byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            long now = System.nanoTime();
            append(header(OPEN, id, now, 12 + name.length).putLong(size).putInt(name.length).put(name));
        }
        return new Device(id);
    }

    /** Allocates a record of {@code extra} bytes after the header; the end time is set when appended. */
    private static ByteBuffer header(byte kind, int id, long start, int extra) {
        return ByteBuffer.allocate(21 + extra).put(kind).putInt(id).putLong(start).putLong(0);
    }

    private synchronized void append(ByteBuffer record) throws IOException {
        record.putLong(13, System.nanoTime()).flip(); // taken under the lock: the log is in order of end times
        while (record.hasRemaining()) {
            log.write(record);
        }
    }

    /** What one device reports; each call comes after the operation returned, with the time it began. */
    final class Device {
        private final int id;

        private Device(int id) {
            this.id = id;
        }

        /** Written: {@code data} holds the bytes (position to limit) as they were handed to the device. */
        void wrote(long start, long offset, ByteBuffer data) throws IOException {
            append(header(WRITE, id, start, 12 + data.remaining()).putLong(offset).putInt(data.remaining()).put(data));
        }

        void flushed(long start) throws IOException {
            append(header(FLUSH, id, start, 0));
        }

        void punched(long start, long offset, long length) throws IOException {
            append(header(PUNCH, id, start, 16).putLong(offset).putLong(length));
        }

        void grew(long start, long newSize) throws IOException {
            append(header(GROW, id, start, 8).putLong(newSize));
        }

        void removed(long start) throws IOException {
            append(header(REMOVE, id, start, 0));
        }

        void replaced(long start, byte[] content) throws IOException {
            append(header(REPLACE, id, start, 4 + content.length).putInt(content.length).put(content));
        }
    }
}
