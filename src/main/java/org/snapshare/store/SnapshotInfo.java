package org.snapshare.store;

import java.time.Instant;

/**
 * One row of the snapshot table: the store's id for a user's snapshot name,
 * and the volume's size when it was taken ({@code sizeBytes}; 0 in stores
 * before format 3, whose volumes cannot be resized: the volume's size).
 */
public record SnapshotInfo(long id, String name, SnapshotState state, Instant created, long sizeBytes) {

    public SnapshotInfo withState(SnapshotState newState) {
        return new SnapshotInfo(id, name, newState, created, sizeBytes);
    }
}
