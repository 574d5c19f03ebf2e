package org.snapshare.appliance;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.snapshare.store.StoreGrowth;

/**
 * How far a store file may grow: up to the volume's store-max-size when it
 * has one, and in any case only while the file system keeps
 * {@value #RESERVE_PERCENT}% of its space free (what ext4 reserves for root,
 * for the same reason: a full file system takes every other file down with
 * it). The file-system figures are read at most once a second.
 */
final class FileStoreGrowth implements StoreGrowth {

    static final int RESERVE_PERCENT = 5;
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Path file;
    private final long maxBytes;
    private long roomReadAt;
    private long room = -1;

    /** {@code maxBytes}: the store's cap, 0 for none. */
    FileStoreGrowth(Path file, long maxBytes) {
        this.file = file;
        this.maxBytes = maxBytes;
    }

    @Override
    public synchronized long limitBytes(long currentBytes, long usedBytes) {
        // A sparse store takes about what it uses: the rest of the file system is its room to grow into.
        long byFileSystem = usedBytes + freeRoom();
        long limit = maxBytes > 0 ? Math.min(maxBytes, byFileSystem) : byFileSystem;
        return Math.max(currentBytes, limit);
    }

    /** Bytes the file system can give before it falls under its reserve. */
    private long freeRoom() {
        long now = System.nanoTime();
        if (room < 0 || now - roomReadAt > REFRESH_NANOS) {
            try {
                FileStore fileSystem = Files.getFileStore(file);
                room = Math.max(0, fileSystem.getUsableSpace() - fileSystem.getTotalSpace() / 100 * RESERVE_PERCENT);
            } catch (IOException e) {
                room = 0; // cannot tell: do not grow
            }
            roomReadAt = now;
        }
        return room;
    }
}
