package org.snapshare.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which snapshot was taken of which, and what that means for one origin
 * chunk's entries (docs/SNAPSHOTS.md, "Snapshots of snapshots"). A snapshot
 * reads the entry that covers its id; without one, what its parent reads
 * (the origin for a snapshot of the origin). So a snapshot of a snapshot
 * costs nothing when taken, and a write to a snapshot first copies its
 * data for the snapshots below it that still read through it.
 *
 * Ids that must keep their data: live snapshots and every ancestor of one
 * (a deleted snapshot stays, unserved, while snapshots of it live). Immutable: the table hands out the
 * same one until it changes.
 */
public final class SnapshotTree {

    /** Parents of the snapshots taken of a snapshot; the others' parent is the origin (0). */
    private final Map<Long, Long> parents;
    private final LiveIds kept;
    /** The kept ids that have a snapshot parent, ascending (a parent's id is below its children's). */
    private final long[] nestedKept;
    /** The ids some kept snapshot was taken of, at any depth. */
    private final Set<Long> ancestors = new HashSet<>();

    SnapshotTree(Map<Long, Long> parents, long[] sortedKept) {
        this.parents = Map.copyOf(parents);
        this.kept = new LiveIds(sortedKept);
        this.nestedKept = Arrays.stream(sortedKept).filter(parents::containsKey).toArray();
        for (long nested : nestedKept) {
            for (long at = parentOf(nested); at != 0 && ancestors.add(at); at = parentOf(at)) {
                // an ancestor met before has its own ancestors in the set already
            }
        }
    }

    /** The snapshot {@code id} was taken of; 0: the origin. */
    public long parentOf(long id) {
        return parents.getOrDefault(id, 0L);
    }

    /** Ids whose data must stay: live snapshots and their ancestors. */
    public LiveIds kept() {
        return kept;
    }

    /** Whether some kept snapshot was taken of {@code id}, directly or further down. */
    public boolean hasDescendants(long id) {
        return ancestors.contains(id);
    }

    /** The nearest snapshot both {@code a} and {@code b} descend from (or are); 0: only the origin. */
    public long commonAncestor(long a, long b) {
        Set<Long> line = new HashSet<>();
        for (long at = a; at != 0; at = parentOf(at)) {
            line.add(at);
        }
        long at = b;
        while (at != 0 && !line.contains(at)) {
            at = parentOf(at);
        }
        return at;
    }

    /**
     * The entry whose data snapshot {@code id} reads, given every entry of
     * one origin chunk: its own, else its parent's, up the tree; null: the origin's data.
     */
    public ExceptionEntry visible(List<ExceptionEntry> entries, long id) {
        for (long at = id; at != 0; at = parentOf(at)) {
            ExceptionEntry own = covering(entries, at);
            if (own != null) {
                return own;
            }
        }
        return null;
    }

    /**
     * The kept ids that read the origin's data of a chunk with these
     * entries, in maximal ranges: what an origin write must copy, one store
     * chunk per range. A range never spans an id with an entry, nor a kept
     * id that reads something else (a snapshot whose ancestor has a copy).
     */
    List<IdRange> readingOrigin(List<ExceptionEntry> entries) {
        List<IdRange> lacking = CopyRanges.lacking(kept, entries);
        if (nestedKept.length == 0 || lacking.isEmpty()) {
            return lacking;
        }
        boolean[] readsOrigin = readingThrough(entries, 0);
        List<IdRange> ranges = new ArrayList<>();
        for (IdRange range : lacking) {
            long from = range.from();
            for (int i = 0; i < nestedKept.length; i++) { // a range is cut where a snapshot reads an ancestor's copy
                long nested = nestedKept[i];
                if (nested >= from && nested <= range.to() && !readsOrigin[i]) {
                    kept.spanIn(from, nested - 1).ifPresent(ranges::add);
                    from = nested + 1;
                }
            }
            kept.spanIn(from, range.to()).ifPresent(ranges::add);
        }
        return ranges;
    }

    /**
     * The kept ids below {@code id} that read its data of a chunk with these
     * entries (no entry of their own or of an ancestor between), in maximal
     * ranges: before {@code id}'s data there changes, each range needs a copy.
     */
    List<IdRange> inheriting(List<ExceptionEntry> entries, long id) {
        boolean[] through = readingThrough(entries, id);
        List<Long> readers = new ArrayList<>();
        for (int i = 0; i < nestedKept.length; i++) {
            if (through[i]) {
                readers.add(nestedKept[i]);
            }
        }
        return grouped(readers, entries);
    }

    /**
     * For each of {@link #nestedKept}: whether it reads {@code ancestor}'s data (0: the origin's) of a chunk
     * with these entries: no entry of its own, and its parent is {@code ancestor} or reads through it.
     * One pass in id order: a parent's answer is known before its children's.
     */
    private boolean[] readingThrough(List<ExceptionEntry> entries, long ancestor) {
        boolean[] through = new boolean[nestedKept.length];
        for (int i = 0; i < nestedKept.length; i++) {
            long id = nestedKept[i];
            if (id <= ancestor || covering(entries, id) != null) {
                continue;
            }
            long parent = parentOf(id);
            int parentAt = Arrays.binarySearch(nestedKept, parent);
            through[i] = parent == ancestor || (parentAt >= 0 ? through[parentAt]
                    : ancestor == 0 && covering(entries, parent) == null); // a snapshot of the origin
        }
        return through;
    }

    /**
     * Ascending ids (none with an entry) in maximal ranges that span no
     * other kept id and no entry: one store chunk can serve each range.
     */
    private List<IdRange> grouped(List<Long> ids, List<ExceptionEntry> entries) {
        List<IdRange> ranges = new ArrayList<>();
        for (int i = 0; i < ids.size(); ) {
            long from = ids.get(i);
            long to = from;
            int next = i + 1;
            while (next < ids.size() && joinable(to, ids.get(next), entries)) {
                to = ids.get(next++);
            }
            ranges.add(new IdRange(from, to));
            i = next;
        }
        return ranges;
    }

    /** Whether one range may run from {@code low} to {@code high}: nothing kept or covered between them. */
    private boolean joinable(long low, long high, List<ExceptionEntry> entries) {
        if (kept.countIn(low + 1, high - 1) > 0) {
            return false;
        }
        for (ExceptionEntry entry : entries) {
            if (entry.fromId() < high && entry.toId() > low) {
                return false;
            }
        }
        return true;
    }

    private static ExceptionEntry covering(List<ExceptionEntry> entries, long id) {
        for (ExceptionEntry entry : entries) {
            if (entry.covers(id)) {
                return entry;
            }
        }
        return null;
    }
}
