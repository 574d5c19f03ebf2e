package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.snapshare.device.BlockDevice;
import org.snapshare.store.DataChecksum;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.ExceptionStore;

/**
 * Whole-chunk reads and writes of the origin and of store chunks. The last
 * origin chunk may be shorter than a chunk; it reads zero-padded and only its
 * real bytes are written back.
 */
final class ChunkData {

    final BlockDevice origin;
    final ExceptionStore store;
    final int chunkSize;
    private final VerifiedChunks verified = new VerifiedChunks();
    /** The origin's size; it changes only by {@link #resizedTo}, with no origin write in flight. */
    private volatile long originBytes;

    ChunkData(BlockDevice origin, ExceptionStore store, long originBytes) {
        this.origin = origin;
        this.store = store;
        this.chunkSize = store.chunkSize();
        this.originBytes = originBytes;
    }

    /** The origin grew to {@code bytes} (a resize, under the volume's quiesced origin). */
    void resizedTo(long bytes) {
        originBytes = bytes;
    }

    long originChunks() {
        return (originBytes + chunkSize - 1) / chunkSize;
    }

    private int validBytes(long chunk) {
        return (int) Math.min(chunkSize, originBytes - chunk * chunkSize);
    }

    ByteBuffer readOrigin(long chunk) throws IOException {
        return readOrigin(chunk, chunk, ByteBuffer.allocate(chunkSize));
    }

    /** Origin chunks {@code first..last} into {@code into} (from its start) with one read; its first bytes, flipped. */
    ByteBuffer readOrigin(long first, long last, ByteBuffer into) throws IOException {
        int wanted = Math.toIntExact((last - first + 1) * chunkSize);
        int real = Math.toIntExact((last - first) * chunkSize + validBytes(last));
        origin.read(first * chunkSize, into.clear().limit(real));
        into.limit(wanted);
        while (into.hasRemaining()) {
            into.put((byte) 0); // past the end of a short last chunk
        }
        return into.flip();
    }

    void writeOrigin(long chunk, ByteBuffer whole) throws IOException {
        writeOrigin(chunk, whole, chunkSize);
    }

    /** The first {@code length} bytes of a whole chunk's buffer (what lies past the origin's end left out). */
    void writeOrigin(long chunk, ByteBuffer whole, int length) throws IOException {
        origin.write(chunk * chunkSize, whole.duplicate().position(0).limit(Math.min(length, validBytes(chunk))));
    }

    /** The whole chunk an entry points at, checked against the entry's checksum; zeros when it is unmapped. */
    ByteBuffer readStored(ExceptionEntry entry) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(chunkSize);
        if (entry.zeros()) {
            return data;
        }
        readChecked(entry, data);
        return data.clear();
    }

    /** Reads the whole chunk {@code entry} points at into {@code whole} (chunk-sized) and checks it. */
    private void readChecked(ExceptionEntry entry, ByteBuffer whole) throws IOException {
        store.readChunk(entry.storeChunk(), 0, whole);
        DataChecksum.verify(entry, whole);
        verified.verified(entry);
    }

    /**
     * The bytes of the chunk an entry points at from {@code offsetInChunk}, as many as {@code dst} has room for.
     * A checksum covers the whole chunk: unless the chunk was checked lately ({@link VerifiedChunks}), it is read
     * whole and checked.
     */
    void readStoredPiece(ExceptionEntry entry, int offsetInChunk, ByteBuffer dst) throws IOException {
        if (entry.zeros()) {
            dst.put(ByteBuffer.allocate(dst.remaining()));
        } else if (!entry.checksummed() || verified.contains(entry)) {
            store.readChunk(entry.storeChunk(), offsetInChunk, dst);
        } else { // read and checked in a reused direct buffer: no chunk-sized garbage, no JDK bounce copy
            ByteBuffer buffer = CopyBuffers.take();
            try {
                ByteBuffer whole = buffer.slice(0, chunkSize);
                readChecked(entry, whole);
                dst.put(whole.limit(offsetInChunk + dst.remaining()).position(offsetInChunk));
            } finally {
                CopyBuffers.give(buffer);
            }
        }
    }

    /** Scrub found the entry's copy damaged: reads check it whole again (and fail). */
    void forgetChecked(ExceptionEntry entry) {
        verified.forget(entry);
    }

    /** {@code whole}: a chunk-sized buffer, written from its start whatever its position. */
    void writeStored(long storeChunk, ByteBuffer whole) throws IOException {
        store.writeChunk(storeChunk, 0, whole.duplicate().rewind());
    }

    /** A copy-on-write copy of the origin: it never changes in place, so its commit can name it (one flush). */
    void writeCopy(long storeChunk, ByteBuffer whole, long checksum) throws IOException {
        store.writeCopy(storeChunk, whole.duplicate().rewind(), checksum);
    }
}
