package org.snapshare.store;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Checksums of copied data: the CRC32C of a whole store chunk, kept in its
 * exception entry (format 3) from the moment the origin's old contents are
 * copied. A read of such a chunk checks it, so bit rot in the store is a
 * read error for that range, never wrong data. A snapshot that writes into
 * its own copy drops the checksum first (its data is then the initiator's,
 * changed in place like any disk block).
 */
public final class DataChecksum {

    private DataChecksum() {
    }

    /** The checksum of a whole chunk, from its position 0 to its capacity. */
    public static long of(ByteBuffer chunk) {
        CRC32C crc = new CRC32C();
        crc.update(chunk.duplicate().clear());
        return crc.getValue();
    }

    /** Throws naming the chunk when {@code chunk} (whole) does not match the entry's checksum. */
    public static void verify(ExceptionEntry entry, ByteBuffer chunk) throws StoreCorruptException {
        if (entry.checksummed() && of(chunk) != entry.checksum()) {
            throw new StoreCorruptException("copied data of origin chunk " + entry.originChunk() + " for snapshot ids "
                    + entry.fromId() + ".." + entry.toId() + " in store chunk " + entry.storeChunk()
                    + " fails its checksum: the store's disk returned damaged data; restore these snapshots' data"
                    + " from a backup (" + Remedy.FIND_DAMAGED_DATA.advice() + ")");
        }
    }
}
