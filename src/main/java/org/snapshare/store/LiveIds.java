package org.snapshare.snapshot;

import java.util.Arrays;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.SnapshotState;

/** The ids of the live snapshots at one moment, for "does this range still serve anyone". */
final class LiveIds {

    private final long[] ids;

    private LiveIds(long[] ids) {
        this.ids = ids;
    }

    static LiveIds of(ExceptionStore store) {
        return new LiveIds(store.snapshots().stream().filter(s -> s.state() == SnapshotState.LIVE)
                .mapToLong(s -> s.id()).sorted().toArray());
    }

    /** True when some live id lies in {@code from}..{@code to}. */
    boolean anyIn(long from, long to) {
        return countIn(from, to) > 0;
    }

    int countIn(long from, long to) {
        if (from > to) {
            return 0;
        }
        int low = Arrays.binarySearch(ids, from);
        int high = Arrays.binarySearch(ids, to);
        int start = low >= 0 ? low : -low - 1;
        int end = high >= 0 ? high + 1 : -high - 1;
        return Math.max(0, end - start);
    }

    /** The only live id in the range, or 0 when there are none or several. */
    long soleIn(long from, long to) {
        if (countIn(from, to) != 1) {
            return 0;
        }
        int at = Arrays.binarySearch(ids, from);
        return ids[at >= 0 ? at : -at - 1];
    }
}
