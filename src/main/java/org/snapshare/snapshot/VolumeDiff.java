package org.snapshare.snapshot;

import java.util.List;
import java.util.Optional;
import org.snapshare.store.SnapshotInfo;

/**
 * Where point in time {@code to} (a snapshot; empty: the origin) differs from
 * {@code from} (a snapshot; empty: from nothing, so every byte of {@code to}
 * is a change), in increasing offset order, within {@code to}'s size.
 */
public record VolumeDiff(Optional<SnapshotInfo> from, Optional<SnapshotInfo> to, long sizeBytes, int chunkSize,
        List<ChangedRun> runs) {

    public long changedBytes() {
        return runs.stream().mapToLong(ChangedRun::length).sum();
    }
}
