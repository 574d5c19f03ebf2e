package org.snapshare.store;

/**
 * "For snapshot ids {@code fromId}..{@code toId}, the old contents of origin
 * chunk {@code originChunk} live in store chunk {@code storeChunk}."
 */
public record ExceptionEntry(long originChunk, long fromId, long toId, long storeChunk) {

    public ExceptionEntry {
        if (fromId > toId || fromId <= 0 || originChunk < 0 || storeChunk <= 0) {
            throw new IllegalArgumentException("invalid exception entry " + originChunk + ":" + fromId + ".." + toId
                    + " -> " + storeChunk);
        }
    }

    public boolean covers(long snapshotId) {
        return fromId <= snapshotId && snapshotId <= toId;
    }
}
