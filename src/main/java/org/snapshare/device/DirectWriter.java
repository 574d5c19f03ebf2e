package org.snapshare.device;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes that bypass the page cache (O_DIRECT) on one file or block device,
 * through a channel of their own opened at the first use. A file system that
 * refuses O_DIRECT (tmpfs), or one direct write that fails, turns it off for
 * good: callers then write through the cache, which is only slower.
 */
final class DirectWriter implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(DirectWriter.class);

    private final Path path;
    private volatile FileChannel channel;
    private volatile boolean off;

    DirectWriter(Path path) {
        this.path = path;
    }

    /**
     * Writes all of {@code src} at {@code offset} past the cache and returns
     * true; false, having written nothing, when {@code src} is not a direct
     * buffer aligned as {@link BlockDevice#DIRECT_ALIGNMENT} asks or direct
     * writes are off.
     */
    boolean write(long offset, ByteBuffer src) {
        if (off || !aligned(offset, src)) {
            return false;
        }
        FileChannel direct = channel();
        if (direct == null) {
            return false;
        }
        ByteBuffer remaining = src.duplicate();
        try {
            for (long position = offset; remaining.hasRemaining(); ) {
                position += direct.write(remaining, position);
            }
        } catch (IOException e) {
            // Rewritten through the cache by the caller: a real I/O error shows there, at the latest at the flush.
            turnOff("a direct write failed: " + e.getMessage());
            return false;
        }
        src.position(src.limit());
        return true;
    }

    private static boolean aligned(long offset, ByteBuffer src) {
        int unit = BlockDevice.DIRECT_ALIGNMENT;
        return src.isDirect() && offset % unit == 0 && src.remaining() % unit == 0
                && src.alignmentOffset(src.position(), unit) == 0;
    }

    private FileChannel channel() {
        FileChannel opened = channel;
        return opened != null ? opened : open();
    }

    private synchronized FileChannel open() {
        if (channel == null && !off) {
            try {
                channel = FileChannel.open(path, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                turnOff("cannot open it for direct I/O: " + e.getMessage());
            }
        }
        return channel;
    }

    private void turnOff(String why) {
        off = true;
        LOG.warn("{}: {}; uncached writes (copy-on-write copies) go through the page cache from now on", path, why);
    }

    @Override
    public synchronized void close() throws IOException {
        off = true;
        if (channel != null) {
            channel.close();
        }
    }
}
