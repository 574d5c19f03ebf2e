package org.snapshare.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A plain in-memory model of the store's logical content, to compare against. */
final class StoreModel {

    final TreeMap<Long, TreeMap<Long, ExceptionEntry>> entries = new TreeMap<>();
    final TreeMap<Long, SnapshotState> snapshots = new TreeMap<>();

    StoreModel copy() {
        StoreModel copy = new StoreModel();
        entries.forEach((chunk, byFrom) -> copy.entries.put(chunk, new TreeMap<>(byFrom)));
        copy.snapshots.putAll(snapshots);
        return copy;
    }

    void add(ExceptionEntry e) {
        entries.computeIfAbsent(e.originChunk(), c -> new TreeMap<>()).put(e.fromId(), e);
    }

    void remove(long chunk, long from) {
        TreeMap<Long, ExceptionEntry> byFrom = entries.get(chunk);
        byFrom.remove(from);
        if (byFrom.isEmpty()) {
            entries.remove(chunk);
        }
    }

    ExceptionEntry find(long chunk, long id) {
        TreeMap<Long, ExceptionEntry> byFrom = entries.get(chunk);
        if (byFrom == null) {
            return null;
        }
        Map.Entry<Long, ExceptionEntry> floor = byFrom.floorEntry(id);
        return floor != null && floor.getValue().toId() >= id ? floor.getValue() : null;
    }

    List<ExceptionEntry> all() {
        List<ExceptionEntry> all = new ArrayList<>();
        entries.values().forEach(byFrom -> all.addAll(byFrom.values()));
        return all;
    }

    /** Live ids without an entry, grouped so no range spans an id that has one. */
    List<IdRange> rangesLackingCopy(long chunk) {
        List<IdRange> ranges = new ArrayList<>();
        long start = -1;
        long end = -1;
        for (Map.Entry<Long, SnapshotState> snapshot : snapshots.entrySet()) {
            long id = snapshot.getKey();
            if (snapshot.getValue() != SnapshotState.LIVE || find(chunk, id) != null) {
                continue;
            }
            if (start >= 0 && !anyCoveredBetween(chunk, end, id)) {
                end = id;
            } else {
                if (start >= 0) {
                    ranges.add(new IdRange(start, end));
                }
                start = id;
                end = id;
            }
        }
        if (start >= 0) {
            ranges.add(new IdRange(start, end));
        }
        return ranges;
    }

    private boolean anyCoveredBetween(long chunk, long after, long before) {
        for (long id = after + 1; id < before; id++) {
            if (find(chunk, id) != null) {
                return true;
            }
        }
        return false;
    }
}
