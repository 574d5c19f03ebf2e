package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;

/**
 * Walks every structure of a mounted store and reports, like thin_check:
 * bad nodes, keys out of order, overlapping ranges, entries outside the
 * origin or the store, ids never handed out, chunks owned twice, chunks in
 * use but marked free, and allocated chunks nobody owns (leaks, or chunks
 * that hang behind a damaged node: said as such, in ranges). It never
 * changes anything.
 */
public final class StoreChecker {

    private static final int MAX_PROBLEMS = 1000;

    private final SharedExceptionStore store;
    private final Map<Long, String> owners = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** Copied chunks per id range, as the walk finds them. */
    private final Map<IdRange, Long> counted = new HashMap<>();
    /** Tree nodes that could not be read: the chunks below them look unowned. */
    private final List<Long> damagedNodes = new ArrayList<>();
    private long nodes;
    private long entries;
    /** The last leaf entry walked, to find overlapping ranges across leaves. */
    private ExceptionEntry previous;

    private StoreChecker(SharedExceptionStore store) {
        this.store = store;
    }

    /** Checks {@code store}; {@code progress} gets the number of tree nodes walked so far. */
    public static CheckReport check(SharedExceptionStore store, LongConsumer progress) throws IOException {
        return new StoreChecker(store).run(progress);
    }

    private CheckReport run(LongConsumer progress) throws IOException {
        Superblock superblock = store.superblock();
        for (long chunk = 0; chunk < superblock.layout().reservedChunks(superblock.chunkSize()); chunk++) {
            own(chunk, "superblock and commit ring");
        }
        checkFixedCopies(superblock);
        for (BlockRef ref : store.state().space().indexBlocks()) {
            ownAndReadOrReport(ref, BlockKind.SPACE_INDEX);
        }
        for (BlockRef ref : store.state().space().bitmapBlocks()) {
            ownAndReadOrReport(ref, BlockKind.SPACE_BITMAP);
        }
        for (BlockRef ref : store.state().table().blocks()) {
            ownAndReadOrReport(ref, BlockKind.SNAPSHOT_TABLE);
        }
        RangeCounts counts = store.state().counts();
        if (counts != null) {
            for (BlockRef ref : counts.blocks()) {
                ownAndReadOrReport(ref, BlockKind.RANGE_COUNTS);
            }
        }
        long nextId = store.state().table().nextId();
        checkParents(store.snapshots());
        BTree tree = store.state().tree();
        if (tree.height > 0) {
            walk(tree.root, tree.height - 1, null, null, nextId, progress);
        }
        if (counts != null && damagedNodes.isEmpty()) {
            compareCounts(counts.counts());
        }
        long used = 0;
        ChunkRanges markedFree = new ChunkRanges();
        ChunkRanges unowned = new ChunkRanges();
        for (long chunk = 0; chunk < store.chunkCount(); chunk++) {
            boolean allocated = store.state().space().isAllocated(chunk);
            boolean owned = owners.containsKey(chunk);
            if (allocated) {
                used++;
            }
            if (owned && !allocated) {
                markedFree.add(chunk);
            } else if (allocated && !owned) {
                unowned.add(chunk);
            }
        }
        if (!markedFree.isEmpty()) {
            problem(markedFree.describe() + " in use (by the " + owners.get(markedFree.first()) + ", ...) but marked"
                    + " free in the space map");
        }
        if (!unowned.isEmpty()) {
            problem(unowned.describe() + (damagedNodes.isEmpty()
                    ? " allocated but nothing refers to them (leaked)"
                    : " allocated and unreachable: they hang behind the damaged B+-tree node(s) at chunk "
                            + damagedNodes.stream().map(String::valueOf).collect(Collectors.joining(", "))
                            + " (not leaked: what they hold cannot be told)"));
        }
        return new CheckReport(List.copyOf(problems), List.copyOf(notes), nodes, entries, used,
                store.chunkCount(),
                store.snapshots().size());
    }

    /** Format 6: a snapshot's parent stays in the table while the snapshot does (its data reads through it). */
    private void checkParents(List<SnapshotInfo> snapshots) {
        Set<Long> ids = snapshots.stream().map(SnapshotInfo::id).collect(Collectors.toSet());
        for (SnapshotInfo info : snapshots) {
            if (info.parentId() != 0 && !ids.contains(info.parentId())) {
                problem("snapshot " + info.name() + " was taken of snapshot id " + info.parentId() + ", which the"
                        + " table no longer has: the chunks it read through that snapshot are gone; delete it");
            }
        }
    }

    /** The range counters committed with the tree must say what the walk counted. */
    private void compareCounts(Map<IdRange, Long> committed) {
        Set<IdRange> ranges = new HashSet<>(committed.keySet());
        ranges.addAll(counted.keySet());
        int reported = 0;
        for (IdRange range : ranges) {
            long kept = committed.getOrDefault(range, 0L);
            long walked = counted.getOrDefault(range, 0L);
            if (kept != walked && reported++ < 5) {
                problem("the range counter of ids " + range.from() + ".." + range.to() + " says " + kept
                        + " copied chunks, the tree holds " + walked + " (the space each snapshot owns is shown"
                        + " wrong; " + Remedy.RECOUNT.advice() + ")");
            }
        }
    }

    /** Format 3: the superblock's copy and both copies of the newest commit block must be good. */
    private void checkFixedCopies(Superblock superblock) throws IOException {
        if (!superblock.layout().mirrored) {
            return;
        }
        MetadataIo io = store.metadataIo();
        for (long offset : Superblock.Copy.OFFSETS) {
            Superblock.Copy copy = Superblock.Copy.read(io.device(), offset);
            if (!copy.good()) {
                problem("the superblock copy at byte " + offset + " is damaged (" + copy.damage().getMessage()
                        + "); the other is good: " + Remedy.HEAL_METADATA.advice());
            }
        }
        if (CommitRing.read(io.device(), superblock, true).copyMissing()) {
            // What a crash while the commit was written leaves too; the server writes both again when it starts.
            notes.add("one copy of the newest commit block is damaged or missing (a crash during its write leaves"
                    + " that too); the other is good, and the server writes both again when it starts");
        }
    }

    /** Like {@link #ownAndRead}; a block with no good copy (since the mount read it) is a problem. */
    private void ownAndReadOrReport(BlockRef ref, BlockKind kind) throws IOException {
        try {
            ownAndRead(ref, kind);
        } catch (StoreCorruptException e) {
            problem(e.getMessage());
        }
    }

    /** Owns both copies of a metadata block and reads each; a bad copy is a problem, two are damage. */
    private ByteBuffer ownAndRead(BlockRef ref, BlockKind kind) throws IOException {
        for (long chunk : ref.chunks()) {
            if (chunk <= 0 || chunk >= store.chunkCount()) {
                throw new StoreCorruptException(kind.what() + " pointer to chunk " + chunk + " lies outside the store");
            }
            own(chunk, kind.what());
        }
        MetadataIo.Copies copies = store.metadataIo().readEveryCopy(ref, kind);
        if (copies.lost()) {
            throw copies.lostError();
        }
        copies.problems().forEach(text -> problem(text + "; its other copy is good: "
                + Remedy.HEAL_METADATA.advice()));
        return copies.good();
    }

    /** Checks one subtree; every key must lie in [low, high) of its parent. */
    private void walk(BlockRef ref, int level, long[] low, long[] high, long nextId, LongConsumer progress)
            throws IOException {
        long location = ref.primary();
        Node node;
        try {
            node = Node.decode(ownAndRead(ref, BlockKind.NODE), ref, store.superblock().layout());
        } catch (StoreCorruptException e) {
            damagedNodes.add(location);
            problem(e.getMessage() + (level > 0 ? "; the subtree below it cannot be read" : "; its entries cannot"
                    + " be read"));
            return;
        }
        nodes++;
        if (nodes % 1024 == 0) {
            progress.accept(nodes);
        }
        if (node.level != level) {
            problem("B+-tree node at chunk " + location + " has level " + node.level + ", expected " + level);
            return;
        }
        if (node.count == 0) {
            problem("B+-tree node at chunk " + location + " is empty");
        }
        for (int i = 0; i < node.count; i++) {
            long[] key = {node.chunk[i], node.from[i]};
            if (i > 0 && Node.compare(node.chunk[i - 1], node.from[i - 1], key[0], key[1]) >= 0) {
                problem("B+-tree node at chunk " + location + ": keys out of order at entry " + i);
            }
            if ((low != null && Node.compare(key[0], key[1], low[0], low[1]) < 0)
                    || (high != null && Node.compare(key[0], key[1], high[0], high[1]) >= 0)) {
                problem("B+-tree node at chunk " + location + ": key " + key[0] + ":" + key[1]
                        + " outside its parent's range");
            }
            if (node.isLeaf()) {
                checkEntry(node, i, nextId);
            } else {
                long[] childHigh = i + 1 < node.count ? new long[] {node.chunk[i + 1], node.from[i + 1]} : high;
                walk(node.child(i), level - 1, key, childHigh, nextId, progress);
            }
        }
    }

    private void checkEntry(Node leaf, int i, long nextId) {
        entries++;
        long chunk = leaf.chunk[i];
        long from = leaf.from[i];
        long to = leaf.value[i];
        long storeChunk = leaf.store[i];
        String name = "entry " + chunk + ":" + from + ".." + to + " -> " + storeChunk;
        if (from <= 0 || from > to || to >= nextId) {
            problem(name + ": id range is empty or names ids never handed out (next id " + nextId + ")");
        }
        if (chunk < 0 || chunk >= store.originChunks()) {
            problem(name + ": origin chunk past the origin's end (" + store.originChunks() + " chunks)");
        }
        if (storeChunk == ExceptionEntry.ZEROS && store.holdsUnmappedRanges()) {
            if (leaf.checksum[i] != ExceptionEntry.NO_CHECKSUM) {
                problem(name + ": an unmapped range with a checksum");
            }
        } else if (storeChunk <= 0 || storeChunk >= store.chunkCount()) {
            problem(name + ": store chunk past the store's end (" + store.chunkCount() + " chunks)");
        } else {
            own(storeChunk, "exception " + chunk + ":" + from + ".." + to);
            counted.merge(new IdRange(from, to), 1L, Long::sum);
        }
        if (previous != null && previous.originChunk() == chunk && previous.toId() >= from) {
            problem(name + ": overlaps " + previous.fromId() + ".." + previous.toId() + " of the same chunk");
        }
        if (from > 0 && from <= to && storeChunk >= 0) {
            previous = new ExceptionEntry(Math.max(chunk, 0), from, to, storeChunk);
        }
    }

    private void own(long chunk, String owner) {
        String before = owners.putIfAbsent(chunk, owner);
        if (before != null) {
            problem("chunk " + chunk + " is owned twice: by the " + before + " and by the " + owner);
        }
    }

    private void problem(String text) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(text);
        }
    }
}
