package org.snapshare.store;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * The ids of the live snapshots at one moment, sorted, for "does this range
 * still serve anyone". Immutable: the snapshot table hands out the same one
 * until it changes, so asking costs nothing however many snapshots there are.
 */
public final class LiveIds {

    private final long[] ids;

    LiveIds(long[] sortedIds) {
        this.ids = sortedIds;
    }

    public boolean isEmpty() {
        return ids.length == 0;
    }

    /** True when some live id lies in {@code from}..{@code to}. */
    public boolean anyIn(long from, long to) {
        return countIn(from, to) > 0;
    }

    public int countIn(long from, long to) {
        if (from > to) {
            return 0;
        }
        return Math.max(0, endOf(to) - startOf(from));
    }

    /** The only live id in the range, or 0 when there are none or several. */
    public long soleIn(long from, long to) {
        return countIn(from, to) == 1 ? ids[startOf(from)] : 0;
    }

    /** Hands each live id in {@code from}..{@code to} to {@code visitor}, ascending, until it returns false. */
    public void forEachIn(long from, long to, LongPredicate visitor) {
        for (int at = startOf(from), end = endOf(to); from <= to && at < end; at++) {
            if (!visitor.test(ids[at])) {
                return;
            }
        }
    }

    /** The first and the last live id in {@code from}..{@code to}, if any lies there. */
    public Optional<IdRange> spanIn(long from, long to) {
        int start = startOf(from);
        int end = endOf(to);
        return from <= to && start < end ? Optional.of(new IdRange(ids[start], ids[end - 1])) : Optional.empty();
    }

    /** The index of the first id at or above {@code from}. */
    private int startOf(long from) {
        int at = Arrays.binarySearch(ids, from);
        return at >= 0 ? at : -at - 1;
    }

    /** The index after the last id at or below {@code to}. */
    private int endOf(long to) {
        int at = Arrays.binarySearch(ids, to);
        return at >= 0 ? at + 1 : -at - 1;
    }
}
