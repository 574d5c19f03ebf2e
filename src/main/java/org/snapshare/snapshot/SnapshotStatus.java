package org.snapshare.snapshot;

import java.time.Instant;
import java.util.Locale;

/**
 * One row of `snapshot list`: {@code ownedBytes} is the copied data only
 * this snapshot uses (what deleting it frees), -1 when damaged metadata
 * hides it; {@code treeBytes} the copied data only it and the snapshots
 * taken of it (at any depth) use (what deleting them all frees), -1 likewise; {@code work} describes background work on it, or is empty;
 * {@code parent}: the snapshot it was taken of, empty for the origin.
 */
public record SnapshotStatus(String name, Instant created, State state, long ownedBytes, long treeBytes,
        String work, String parent) {

    /** What a snapshot is now, as users see it: its state in the store, or being rolled back to. */
    public enum State {
        LIVE, INVALID, DELETING, ROLLING_BACK;

        /** "live", "rolling-back": the word `snapshot list` and the API show. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
