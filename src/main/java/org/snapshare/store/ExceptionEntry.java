package org.snapshare.store;

/**
 * "For snapshot ids {@code fromId}..{@code toId}, the old contents of origin
 * chunk {@code originChunk} live in store chunk {@code storeChunk}", and,
 * when {@code checksum} is not {@link #NO_CHECKSUM}, the CRC32C those
 * contents had when they were copied (see {@link DataChecksum}). Store chunk
 * {@link #ZEROS} (format 3): those snapshots unmapped the chunk; it reads as
 * zeros and takes no space.
 */
public record ExceptionEntry(long originChunk, long fromId, long toId, long storeChunk, long checksum) {

    /** The chunk's data is not covered by a checksum (written by a snapshot, or a store before format 3). */
    public static final long NO_CHECKSUM = -1;
    /** The store chunk of an unmapped range: chunk 0 is the superblock's, never data. */
    public static final long ZEROS = 0;

    public ExceptionEntry {
        if (fromId > toId || fromId <= 0 || originChunk < 0 || storeChunk < 0
                || checksum < NO_CHECKSUM || checksum > 0xffffffffL || (storeChunk == ZEROS && checksum != NO_CHECKSUM)) {
            throw new IllegalArgumentException("invalid exception entry " + originChunk + ":" + fromId + ".." + toId
                    + " -> " + storeChunk + " (checksum " + checksum + ")");
        }
    }

    /** An entry whose data no checksum covers. */
    public ExceptionEntry(long originChunk, long fromId, long toId, long storeChunk) {
        this(originChunk, fromId, toId, storeChunk, NO_CHECKSUM);
    }

    public boolean covers(long snapshotId) {
        return fromId <= snapshotId && snapshotId <= toId;
    }

    /** True for an unmapped range: it reads as zeros and owns no store chunk. */
    public boolean zeros() {
        return storeChunk == ZEROS;
    }

    public boolean checksummed() {
        return checksum != NO_CHECKSUM;
    }

    public ExceptionEntry withChecksum(long newChecksum) {
        return new ExceptionEntry(originChunk, fromId, toId, storeChunk, newChecksum);
    }

    /** The same chunk's data for other ids: the checksum still holds. */
    public ExceptionEntry withIds(long newFrom, long newTo) {
        return new ExceptionEntry(originChunk, newFrom, newTo, storeChunk, checksum);
    }
}
