package org.snapshare.snapshot;

import java.time.Instant;

/**
 * One row of `snapshot list`: {@code state} is live, invalid, deleting or
 * rolling-back; {@code ownedBytes} is the copied data only this snapshot
 * uses (what deleting it frees), -1 when damaged metadata hides it;
 * {@code work} describes background work on
 * it, or is empty.
 */
public record SnapshotStatus(String name, Instant created, String state, long ownedBytes, String work) {
}
