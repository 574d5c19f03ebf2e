package org.snapshare.store;

import java.time.Instant;

/** One row of the snapshot table: the store's id for a user's snapshot name. */
public record SnapshotInfo(long id, String name, SnapshotState state, Instant created) {

    public SnapshotInfo withState(SnapshotState newState) {
        return new SnapshotInfo(id, name, newState, created);
    }
}
