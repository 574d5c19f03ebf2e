package org.snapshare.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Small files that must survive a power cut whole (volume metadata, an
 * import's state, reservations): replaced atomically and removed durably, each
 * reported to the {@link WriteRecorder} once it is on disk.
 */
public final class DurableFiles {

    private DurableFiles() {
    }

    /**
     * Makes {@code file} hold {@code content}, or leaves it as it was: a temporary file beside it,
     * forced, renamed over it, and the rename forced. A crash leaves the old content or the new.
     */
    public static void replace(Path file, byte[] content) throws IOException {
        long start = System.nanoTime();
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(file.getParent());
        WriteRecorder.recordReplace(file, start, content);
    }

    /** Deletes {@code file} if it exists, and forces its directory so it stays deleted; false if there was none. */
    public static boolean remove(Path file) throws IOException {
        long start = System.nanoTime();
        if (!Files.deleteIfExists(file)) {
            return false;
        }
        forceDirectory(file.getParent());
        WriteRecorder.recordRemove(file, start);
        return true;
    }

    /** Makes the entries of {@code dir} (files made, renamed or deleted in it) survive a crash. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
