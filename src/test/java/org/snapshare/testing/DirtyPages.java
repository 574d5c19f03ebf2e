package org.snapshare.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.nio.file.Path;

/**
 * How many of a file's cached pages in a range are dirty (written, not yet
 * handed to write-back), from cachestat(2) (Linux 6.5 and later), for tests of
 * early write-back.
 */
public final class DirtyPages {

    private static final long SYS_CACHESTAT = 451; // the same number on every architecture
    private static final int O_RDONLY = 0;
    private static final int ENOSYS = 38;
    private static final long DIRTY_OFFSET = 8; // struct cachestat: nr_cache, nr_dirty, nr_writeback, ...

    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        long syscall(long number, Object... args) throws LastErrorException;
    }

    private static final LibC LIBC = Native.load("c", LibC.class);

    private DirtyPages() {
    }

    /** Whether this kernel has cachestat(2). */
    public static boolean supported(Path anyFile) {
        try {
            of(anyFile, 0, 4096);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOSYS) {
                return false;
            }
            throw e;
        }
    }

    /** Dirty pages of {@code file} in {@code length} bytes from {@code offset}. */
    public static long of(Path file, long offset, long length) {
        int fd = LIBC.open(file.toString(), O_RDONLY);
        try (Memory range = new Memory(16); Memory stat = new Memory(40)) {
            range.setLong(0, offset);
            range.setLong(8, length);
            LIBC.syscall(SYS_CACHESTAT, fd, range, stat, 0);
            return stat.getLong(DIRTY_OFFSET);
        } finally {
            LIBC.close(fd);
        }
    }
}
