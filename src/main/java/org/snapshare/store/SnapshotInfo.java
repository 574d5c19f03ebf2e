package org.snapshare.store;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of the snapshot table: the store's id for a user's snapshot name,
 * and the volume's size when it was taken ({@code sizeBytes}; 0 in stores
 * before format 3, whose volumes cannot be resized: the volume's size),
 * and its {@code identity}: the same on every box that holds this point in
 * time, so an incremental stream (docs/STREAM.md) can name its base;
 * {@code parentId}: the snapshot it was taken of, 0 for the origin (always 0 before format 6).
 */
public record SnapshotInfo(long id, String name, SnapshotState state, Instant created, long sizeBytes,
        UUID identity, long parentId) {

    public SnapshotInfo withState(SnapshotState newState) {
        return new SnapshotInfo(id, name, newState, created, sizeBytes, identity, parentId);
    }
}
