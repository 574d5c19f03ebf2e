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
}
