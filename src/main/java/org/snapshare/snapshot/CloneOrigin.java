package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.snapshare.device.BlockDevice;
import org.snapshare.device.Extent;

/**
 * A clone's origin device while {@link CloneFill} copies it: reads of chunks
 * not copied yet come from the source; writes and deallocations copy their
 * chunks first. Once everything is copied it is the device itself.
 */
final class CloneOrigin implements BlockDevice {

    private final CloneFill fill;

    CloneOrigin(CloneFill fill) {
        this.fill = fill;
    }

    @Override
    public long size() throws IOException {
        return fill.inner().size();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        if (fill.copied()) {
            fill.inner().read(offset, dst);
            return;
        }
        for (ChunkPiece piece : ChunkPiece.split(offset, dst.remaining(), fill.chunkSize())) {
            fill.read(piece.chunk(), piece.offsetInChunk(),
                    dst.slice(dst.position() + piece.bufferOffset(), piece.length()));
        }
        dst.position(dst.limit());
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (!fill.copied()) {
            int chunkSize = fill.chunkSize();
            for (long chunk = offset / chunkSize; chunk <= (offset + src.remaining() - 1) / chunkSize; chunk++) {
                fill.ensureCopied(chunk);
            }
        }
        fill.inner().write(offset, src);
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        if (!fill.copied() && length > 0) {
            int chunkSize = fill.chunkSize();
            long end = offset + length;
            for (long chunk = offset / chunkSize; chunk <= (end - 1) / chunkSize; chunk++) {
                long start = chunk * chunkSize;
                if (start >= offset && Math.min(start + chunkSize, size()) <= end) {
                    fill.deallocateWhole(chunk);
                } else {
                    fill.ensureCopied(chunk);
                }
            }
        }
        fill.inner().deallocate(offset, length);
    }

    @Override
    public void flush() throws IOException {
        fill.inner().flush();
    }

    @Override
    public boolean grow(long newSize) throws IOException {
        return fill.inner().grow(newSize);
    }

    @Override
    public void dropCache(long offset, long length) throws IOException {
        fill.inner().dropCache(offset, length);
    }

    /** A chunk not copied yet counts as allocated (its source's holes are not looked up). */
    @Override
    public Extent extentAt(long offset) throws IOException {
        Extent extent = fill.inner().extentAt(offset);
        if (fill.copied()) {
            return extent;
        }
        long chunk = offset / fill.chunkSize();
        long chunkEnd = Math.min(size(), (chunk + 1) * fill.chunkSize());
        return fill.isCopied(chunk) ? new Extent(extent.allocated(), Math.min(extent.end(), chunkEnd))
                : new Extent(true, chunkEnd);
    }

    @Override
    public void close() throws IOException {
        fill.close();
    }
}
