package org.snapshare.device;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link BlockDevice} over a file or block device using positional I/O, so
 * concurrent requests on different ranges never serialise on a file pointer.
 */
public final class FileBlockDevice implements BlockDevice {

    private final Path path;
    private final FileChannel channel;
    /** Grows with {@link #grow}, or when an access past it finds the device larger now (lvextend, another node). */
    private volatile long size;
    private final SparseFile sparse; // null when native calls are unavailable
    private final WriteRecorder.Device recorder; // null unless the process records its writes

    private FileBlockDevice(Path path, FileChannel channel, long size) throws IOException {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.sparse = SparseFile.open(path);
        this.recorder = WriteRecorder.device(path, size);
    }

    /** Opens an existing device read-write. */
    public static FileBlockDevice open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            // Since JDK 13, size() asks the kernel for a block device's size too.
            return new FileBlockDevice(path, channel, channel.size());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Creates a sparse file of {@code size} bytes; fails if it exists. */
    public static FileBlockDevice createSparse(Path path, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            if (size > 0) {
                channel.write(ByteBuffer.allocate(1), size - 1);
            }
        }
        return open(path);
    }

    /** The size as the kernel has it now: a block device may have been extended (lvextend) since the open. */
    @Override
    public long size() throws IOException {
        size = Math.max(size, channel.size());
        return size;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        long position = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                throw new EOFException(path + ": unexpected end of device at byte " + position);
            }
            position += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        ByteBuffer recorded = recorder == null ? null : src.duplicate();
        long start = recordingStart();
        long position = offset;
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
        if (recorder != null) {
            recorder.wrote(start, offset, recorded);
        }
    }

    @Override
    public void flush() throws IOException {
        long start = recordingStart();
        channel.force(false);
        if (recorder != null) {
            recorder.flushed(start);
        }
    }

    /**
     * A regular file grows sparse (one byte written at its new end); a block
     * device cannot grow itself, so it "grows" only when it already has the
     * size (extended by its own tools since).
     */
    @Override
    public synchronized boolean grow(long newSize) throws IOException {
        if (newSize <= size()) {
            return true;
        }
        if (!Files.isRegularFile(path)) {
            return false;
        }
        long start = recordingStart();
        channel.write(ByteBuffer.allocate(1), newSize - 1);
        size = newSize;
        if (recorder != null) {
            recorder.grew(start, newSize);
        }
        return true;
    }

    /** Punches a hole where the file system can, else writes zeros. */
    @Override
    public void deallocate(long offset, long length) throws IOException {
        checkRange(offset, length);
        long start = recordingStart();
        if (sparse == null || !sparse.punchHole(offset, length)) {
            BlockDevice.super.deallocate(offset, length); // zeros, recorded by write()
        } else if (recorder != null) {
            recorder.punched(start, offset, length);
        }
    }

    /** Drops the kernel's page cache of the range (posix_fadvise DONTNEED), where native calls work. */
    @Override
    public void dropCache(long offset, long length) throws IOException {
        checkRange(offset, length);
        if (sparse != null) {
            sparse.dropCache(offset, length);
        }
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        checkRange(offset, 0);
        return sparse == null ? BlockDevice.super.extentAt(offset) : sparse.extentAt(offset, size);
    }

    @Override
    public void close() throws IOException {
        try {
            if (sparse != null) {
                sparse.close();
            }
        } finally {
            channel.close();
        }
    }

    /** When a recorded call began; no clock read when nothing records. */
    private long recordingStart() {
        return recorder == null ? 0 : System.nanoTime();
    }

    /** Subtract-compare: offset + length could overflow and pass. */
    private void checkRange(long offset, long length) throws IOException {
        if (offset >= 0 && length >= 0 && length > size - offset) {
            size = Math.max(size, channel.size()); // grown by another node or by its owner's tools meanwhile?
        }
        if (offset < 0 || length < 0 || length > size - offset) {
            throw new IOException(path + ": access of " + length + " bytes at " + offset
                    + " is outside the device (" + size + " bytes)");
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
