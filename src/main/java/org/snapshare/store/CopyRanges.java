package org.snapshare.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups the live snapshot ids that lack an entry for an origin chunk into
 * maximal id ranges, one store chunk each (docs/SNAPSHOTS.md, "Origin write"). A
 * range may run over ids of deleted or invalid snapshots, never over an id
 * that has an entry.
 */
final class CopyRanges {

    private CopyRanges() {
    }

    /** {@code snapshots} in id order; {@code entries} of one chunk in from-id order. */
    static List<IdRange> lacking(List<SnapshotInfo> snapshots, List<ExceptionEntry> entries) {
        List<IdRange> ranges = new ArrayList<>();
        long start = -1;
        long end = -1;
        int next = 0; // the first entry that does not end before the id at hand
        for (SnapshotInfo snapshot : snapshots) {
            if (snapshot.state() != SnapshotState.LIVE) {
                continue;
            }
            long id = snapshot.id();
            while (next < entries.size() && entries.get(next).toId() < id) {
                next++;
            }
            if (next < entries.size() && entries.get(next).fromId() <= id) {
                continue; // this id has its copy
            }
            // The open range may grow to this id unless an entry lies between them.
            boolean entryBetween = next > 0 && entries.get(next - 1).toId() > end;
            if (start >= 0 && !entryBetween) {
                end = id;
                continue;
            }
            if (start >= 0) {
                ranges.add(new IdRange(start, end));
            }
            start = id;
            end = id;
        }
        if (start >= 0) {
            ranges.add(new IdRange(start, end));
        }
        return ranges;
    }
}
