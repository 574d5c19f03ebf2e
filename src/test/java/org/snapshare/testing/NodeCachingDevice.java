package org.snapshare.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.snapshare.device.BlockDevice;

/**
 * One node's view of a device that several nodes share: reads are cached
 * per 4 KiB block and served from that cache until {@link #dropCache} drops
 * them, as a page cache over a SAN LUN would. Writes go through to the
 * shared device. A missed invalidation therefore reads stale bytes, which is
 * what the tests look for. Closing it leaves the shared device open.
 */
public final class NodeCachingDevice implements BlockDevice {

    private static final int BLOCK = 4096;

    private final BlockDevice shared;
    private final Map<Long, byte[]> cache = new HashMap<>();
    private final boolean honourDrops;

    /** {@code honourDrops} false builds the broken node a test must catch. */
    public NodeCachingDevice(BlockDevice shared, boolean honourDrops) {
        this.shared = shared;
        this.honourDrops = honourDrops;
    }

    @Override
    public long size() throws IOException {
        return shared.size();
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        long position = offset;
        while (dst.hasRemaining()) {
            long block = position / BLOCK;
            int within = (int) (position % BLOCK);
            int n = Math.min(dst.remaining(), BLOCK - within);
            dst.put(cached(block), within, n);
            position += n;
        }
    }

    private byte[] cached(long block) throws IOException {
        byte[] bytes = cache.get(block);
        if (bytes == null) {
            bytes = new byte[BLOCK];
            long start = block * BLOCK;
            shared.read(start, ByteBuffer.wrap(bytes, 0, (int) Math.min(BLOCK, shared.size() - start)));
            cache.put(block, bytes);
        }
        return bytes;
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        ByteBuffer copy = src.duplicate();
        shared.write(offset, src);
        long position = offset;
        while (copy.hasRemaining()) {
            long block = position / BLOCK;
            int within = (int) (position % BLOCK);
            int n = Math.min(copy.remaining(), BLOCK - within);
            byte[] bytes = cache.get(block);
            if (bytes != null) {
                copy.get(bytes, within, n);
            } else {
                copy.position(copy.position() + n);
            }
            position += n;
        }
    }

    @Override
    public void flush() throws IOException {
        shared.flush();
    }

    @Override
    public synchronized void dropCache(long offset, long length) {
        if (!honourDrops) {
            return;
        }
        for (long block = offset / BLOCK; block * BLOCK < offset + length; block++) {
            cache.remove(block);
        }
    }

    /** Whether the byte at {@code offset} is served from this node's cache. */
    public synchronized boolean caches(long offset) {
        return cache.containsKey(offset / BLOCK);
    }

    @Override
    public void close() {
        // the shared device belongs to the test
    }
}
