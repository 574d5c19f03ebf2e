package org.snapshare.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.nio.file.Path;

/**
 * What the page cache holds of a range of a file, from cachestat(2) (Linux
 * 6.5 and later): pages cached, and of those dirty (written, not yet handed
 * to write-back). For tests of writes that bypass the cache or start their
 * write-back early.
 */
public record CachedPages(long cached, long dirty) {

    private static final long SYS_CACHESTAT = 451; // the same number on every architecture
    private static final int O_RDONLY = 0;
    private static final int EPERM = 1; // a seccomp filter that does not know the call yet
    private static final int ENOSYS = 38;
    // struct cachestat: nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted (u64 each)
    private static final long CACHED_OFFSET = 0;
    private static final long DIRTY_OFFSET = 8;

    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        long syscall(long number, Object... args) throws LastErrorException;
    }

    private static final LibC LIBC = Native.load("c", LibC.class);

    /** Whether this kernel has cachestat(2) and lets this process use it. */
    public static boolean supported(Path anyFile) {
        try {
            of(anyFile, 0, 4096);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOSYS || e.getErrorCode() == EPERM) {
                return false;
            }
            throw e;
        }
    }

    /** The pages of {@code file} in {@code length} bytes from {@code offset}. */
    public static CachedPages of(Path file, long offset, long length) {
        int fd = LIBC.open(file.toString(), O_RDONLY);
        try (Memory range = new Memory(16); Memory stat = new Memory(40)) {
            range.setLong(0, offset);
            range.setLong(8, length);
            LIBC.syscall(SYS_CACHESTAT, fd, range, stat, 0);
            return new CachedPages(stat.getLong(CACHED_OFFSET), stat.getLong(DIRTY_OFFSET));
        } finally {
            LIBC.close(fd);
        }
    }
}
