package org.snapshare.store;

import java.util.List;

/** What {@link StoreChecker} found: problems (empty when clean) and counts. */
public record CheckReport(List<String> problems, long nodes, long entries, long usedChunks, long chunkCount,
        long snapshots) {

    public boolean clean() {
        return problems.isEmpty();
    }
}
