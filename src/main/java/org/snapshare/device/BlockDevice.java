package org.snapshare.device;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A raw device: a regular file or a block device, addressed by byte offset.
 * Writes are volatile until {@link #flush()} returns.
 */
public interface BlockDevice extends Closeable {

    /** Size in bytes. */
    long size() throws IOException;

    /** Fills {@code dst} completely from {@code offset}; reads past the end are an error. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /**
     * Extends the device to {@code newSize} bytes, which read as zeros until
     * written; durable with the next {@link #flush()}. False when this device
     * cannot grow by itself (a block device: extend it with its own tools, e.g.
     * lvextend; {@link #size()} then sees the new size). This default cannot.
     */
    default boolean grow(long newSize) throws IOException {
        return false;
    }

    /**
     * Makes the range read as zeros and, where the device can, frees its
     * storage (a hole). Like a write, it is durable only after {@link #flush()}.
     * This default writes zeros.
     */
    default void deallocate(long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(zeros.capacity(), length - done);
            write(offset + done, zeros.clear().limit(n));
            done += n;
        }
    }

    /**
     * Forgets what this machine caches of the range, so the next reads come
     * from the medium: another node sharing the device may have written it.
     * Only clean cached data can be dropped, so flush first. This default
     * caches nothing.
     */
    default void dropCache(long offset, long length) throws IOException {
    }

    /** The run of allocated bytes or of a hole that {@code offset} lies in, up to its end; this default knows no holes. */
    default Extent extentAt(long offset) throws IOException {
        return new Extent(true, size());
    }
}
