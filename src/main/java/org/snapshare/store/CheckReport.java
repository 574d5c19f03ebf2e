package org.snapshare.store;

import java.util.List;

/**
 * What {@link StoreChecker} found: problems (empty when clean), notes (worth
 * saying, not wrong: the server mends them itself) and counts.
 */
public record CheckReport(List<String> problems, List<String> notes, long nodes, long entries, long usedChunks,
        long chunkCount, long snapshots) {

    public boolean clean() {
        return problems.isEmpty();
    }
}
