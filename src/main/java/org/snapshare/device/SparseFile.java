package org.snapshare.device;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hole punching (fallocate(2)), hole finding (lseek(2) SEEK_DATA and
 * SEEK_HOLE) and dropping cached pages (posix_fadvise(2), for devices that
 * another node writes too) on one file or block device, through JNA: Java has none of them. A
 * descriptor of its own is opened for these calls; reads and writes stay on
 * the device's FileChannel.
 */
final class SparseFile implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(SparseFile.class);

    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    private static final int POSIX_FADV_DONTNEED = 4;

    /** The C library calls used here. */
    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

        long lseek(int fd, long offset, int whence) throws LastErrorException;


        /** Returns the error number instead of setting errno. */
        int posix_fadvise(int fd, long offset, long length, int advice);
    }

    private static final LibC LIBC = load();

    private final Path path;
    private final int fd;
    private volatile boolean punchSupported = true;

    private SparseFile(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    private static LibC load() {
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            LOG.warn("native calls unavailable ({}): unmapped ranges are written with zeros and never"
                    + " reported deallocated", e.toString());
            return null;
        }
    }

    /** Opens {@code path} for hole calls, or returns null when native calls are unavailable. */
    static SparseFile open(Path path) throws IOException {
        if (LIBC == null) {
            return null;
        }
        try {
            return new SparseFile(path, LIBC.open(path.toString(), O_RDWR | O_CLOEXEC));
        } catch (LastErrorException e) {
            throw new IOException(path + ": open for hole punching failed: errno " + e.getErrorCode(), e);
        }
    }

    /** Punches a hole over the range (it then reads zeros); false when the file system cannot. */
    boolean punchHole(long offset, long length) throws IOException {
        if (!punchSupported) {
            return false;
        }
        try {
            LIBC.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            return true;
        } catch (LastErrorException e) {
            // EOPNOTSUPP and friends: this file system or device cannot; don't ask again.
            punchSupported = false;
            LOG.warn("{}: cannot punch holes (errno {}); unmapped ranges will be written with zeros",
                    path, e.getErrorCode());
            return false;
        }
    }

    /** Drops the clean cached pages of the range: the next reads go to the medium. */
    void dropCache(long offset, long length) throws IOException {
        int error = LIBC.posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED);
        if (error != 0) {
            throw new IOException(path + ": dropping cached pages failed: errno " + error);
        }
    }

    /** The extent {@code offset} lies in, within a device of {@code size} bytes. */
    Extent extentAt(long offset, long size) {
        long data;
        try {
            data = LIBC.lseek(fd, offset, SEEK_DATA);
        } catch (LastErrorException e) {
            // ENXIO: no data from here to the end. Anything else: the file system cannot say.
            return new Extent(e.getErrorCode() != ENXIO, size);
        }
        if (data > offset) {
            return new Extent(false, Math.min(data, size));
        }
        try {
            return new Extent(true, Math.min(LIBC.lseek(fd, offset, SEEK_HOLE), size));
        } catch (LastErrorException e) {
            return new Extent(true, size);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            LIBC.close(fd);
        } catch (LastErrorException e) {
            throw new IOException(path + ": close failed: errno " + e.getErrorCode(), e);
        }
    }
}
