package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.snapshare.device.BlockDevice;

/**
 * Reads and writes of data chunks (copies and snapshot data): bounded to the
 * store, refused once this node's tenure is gone, and told to the open
 * transaction, which names copies in its commit and flushes data written in
 * place before it.
 */
final class DataChunks {

    private final BlockDevice device;
    private final int chunkSize;
    private final StoreState state;
    private final Tenure tenure;
    private final TransactionManager transactions;

    DataChunks(BlockDevice device, int chunkSize, StoreState state, Tenure tenure, TransactionManager transactions) {
        this.device = device;
        this.chunkSize = chunkSize;
        this.state = state;
        this.tenure = tenure;
        this.transactions = transactions;
    }

    void read(long storeChunk, int offset, ByteBuffer dst) throws IOException {
        checkAccess(storeChunk, offset, dst.remaining());
        device.read(storeChunk * chunkSize + offset, dst);
    }

    void write(long storeChunk, int offset, ByteBuffer src) throws IOException {
        checkAccess(storeChunk, offset, src.remaining());
        tenure.check(); // the chunk may be another node's by now
        transactions.noteInPlaceWrite(); // it may change again in place: the next commit flushes it first
        device.write(storeChunk * chunkSize + offset, src);
    }

    /** Whole copies in consecutive chunks from {@code firstStoreChunk}, each with its checksum. */
    void writeCopies(long firstStoreChunk, ByteBuffer wholeChunks, long[] checksums) throws IOException {
        int count = checksums.length;
        checkAccess(firstStoreChunk, 0, 0);
        checkAccess(firstStoreChunk + count - 1, 0, 0);
        if (wholeChunks.remaining() != (long) count * chunkSize) {
            throw new IllegalArgumentException(count + " copies are " + count + " whole chunks of " + chunkSize
                    + " bytes, not " + wholeChunks.remaining() + " bytes");
        }
        assert checksumsMatch(wholeChunks, checksums) : "a checksum is not its copy's";
        tenure.check();
        // Through the page cache, left to the kernel and to the commit's flush: started at once per batch, the
        // small write-backs held first writes up; past the cache (O_DIRECT) each copy's disk write was on its origin
        // write's path (docs/PERFORMANCE.md, "Copies through the page cache again", "Copies left to the flush").
        device.write(firstStoreChunk * chunkSize, wholeChunks.duplicate());
        for (int i = 0; i < count; i++) {
            transactions.nameCopy(firstStoreChunk + i, (int) checksums[i]);
        }
    }

    private boolean checksumsMatch(ByteBuffer wholeChunks, long[] checksums) {
        for (int i = 0; i < checksums.length; i++) {
            if (DataChecksum.of(wholeChunks.slice(wholeChunks.position() + i * chunkSize, chunkSize))
                    != checksums[i]) {
                return false;
            }
        }
        return true;
    }

    private void checkAccess(long storeChunk, int offset, int length) throws StoreException {
        if (storeChunk <= 0 || storeChunk >= state.chunkCount() || offset < 0
                || offset + (long) length > chunkSize) {
            throw new StoreException("access of " + length + " bytes at offset " + offset + " of store chunk "
                    + storeChunk + " is outside the store");
        }
    }
}
