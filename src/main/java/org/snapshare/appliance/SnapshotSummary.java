package org.snapshare.appliance;

import java.time.Instant;
import org.snapshare.snapshot.SnapshotStatus;

/**
 * One snapshot as `snapshot list` and the API show it. {@code state}: live,
 * invalid, deleting or rolling-back; {@code ownedBytes}: copied data only it
 * uses (what deleting it frees), -1 when damaged metadata hides it;
 * {@code treeBytes}: copied data only it and the snapshots taken of it use
 * (what deleting them all frees), -1 likewise; {@code work}: background work on it, or empty; {@code held}: `snapshot hold`
 * keeps it from being deleted; {@code parent}: the snapshot it was taken of, null for the origin.
 */
public record SnapshotSummary(String name, Instant created, SnapshotStatus.State state, long ownedBytes,
        long treeBytes, int sessions, String target, String work, boolean held, String parent) {
}
