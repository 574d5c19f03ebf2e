package org.snapshare.store;

import java.util.ArrayList;
import java.util.List;

/** Chunk numbers added in increasing order, kept as runs, for reports that name ranges instead of chunks. */
final class ChunkRanges {

    private static final int RANGES_NAMED = 5;

    private final List<long[]> runs = new ArrayList<>();
    private long count;

    void add(long chunk) {
        long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
        if (last != null && last[1] + 1 == chunk) {
            last[1] = chunk;
        } else {
            runs.add(new long[] {chunk, chunk});
        }
        count++;
    }

    boolean isEmpty() {
        return runs.isEmpty();
    }

    long first() {
        return runs.get(0)[0];
    }

    /** "3 chunks (5-7) are", "1200 chunks in 4 ranges (10-99, 200-1300, ...) are". */
    String describe() {
        List<String> named = new ArrayList<>();
        for (long[] run : runs.subList(0, Math.min(RANGES_NAMED, runs.size()))) {
            named.add(run[0] == run[1] ? Long.toString(run[0]) : run[0] + "-" + run[1]);
        }
        String more = runs.size() > RANGES_NAMED ? ", ..." : "";
        String where = runs.size() == 1 ? "" : " in " + runs.size() + " ranges";
        return count + (count == 1 ? " chunk" : " chunks") + where + " (" + String.join(", ", named) + more + ")"
                + (count == 1 ? " is" : " are");
    }
}
