package org.snapshare.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups the live snapshot ids that lack an entry for an origin chunk into
 * maximal id ranges, one store chunk each (docs/SNAPSHOTS.md, "Origin write"). A
 * range may run over ids of deleted or invalid snapshots, never over an id
 * that has an entry: so there is at most one per gap between entries, from
 * the first live id in the gap to the last. Two binary searches a gap, so
 * the cost follows the chunk's entries, not the number of snapshots.
 */
final class CopyRanges {

    private CopyRanges() {
    }

    /** {@code entries} of one chunk in from-id order (they never overlap). */
    static List<IdRange> lacking(LiveIds live, List<ExceptionEntry> entries) {
        List<IdRange> ranges = new ArrayList<>();
        long gapFrom = 1;
        for (ExceptionEntry entry : entries) {
            live.spanIn(gapFrom, entry.fromId() - 1).ifPresent(ranges::add);
            gapFrom = entry.toId() + 1;
        }
        live.spanIn(gapFrom, Long.MAX_VALUE).ifPresent(ranges::add);
        return ranges;
    }
}
