package org.snapshare.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's metadata as the open transaction sees it: the space map, the
 * B+-tree (through its node cache), the snapshot table, the range counters,
 * the sizes and the delete cursor, each as of the newest commit plus what
 * changed since. A mount fills it and a remount refills it from disk. Guarded
 * by the transaction manager's lock; the sizes are also read without it.
 */
final class StoreState {

    private final Superblock superblock;
    private final NodeCache nodes;
    private final CopyFreeChunks copyFree = new CopyFreeChunks();
    private SpaceMap space;
    private BTree tree;
    private SnapshotTable table;
    /** Copied chunks per id range (format 3; null before): see {@link RangeCounts}. */
    private RangeCounts counts;
    private long sequence;
    private long deleteCursorChunk;
    private long deleteCursorId;
    /** The store's size in chunks and the origin's, as of the last commit or since (the store grows). */
    private volatile long chunkCount;
    private volatile long originChunks;

    StoreState(Superblock superblock, NodeCache nodes) {
        this.superblock = superblock;
        this.nodes = nodes;
    }

    /** Takes everything from a mount; the node cache must hold nothing of an older state. */
    void adopt(StoreMount.Mount mount) {
        copyFree.forgetAll();
        CommitBlock commit = mount.commit();
        chunkCount = commit.chunkCount(superblock);
        originChunks = commit.originChunks(superblock);
        space = mount.space();
        table = mount.table();
        counts = mount.counts();
        tree = new BTree(nodes, space, superblock.layout(), superblock.chunkSize(), commit.treeRoot,
                commit.treeHeight);
        sequence = commit.sequence;
        deleteCursorChunk = commit.deleteCursorChunk;
        deleteCursorId = commit.deleteCursorId;
    }

    /** Writes the transaction's nodes, table, counters and space map (not flushed); returns its commit block. */
    CommitBlock writeBlocks(long generation) throws IOException {
        nodes.writeDirty();
        CommitBlock commit = new CommitBlock();
        commit.snapshotTable = table.writeChanges(space);
        commit.rangeCounts = counts == null ? BlockRef.NONE : counts.writeChanges(space);
        commit.spaceIndex = space.writeChanges();
        commit.sequence = sequence + 1;
        commit.treeRoot = tree.root;
        commit.treeHeight = tree.height;
        commit.nextSnapshotId = table.nextId();
        commit.freeChunks = space.freeChunks();
        commit.deleteCursorChunk = deleteCursorChunk;
        commit.deleteCursorId = deleteCursorId;
        commit.generation = generation;
        commit.chunkCount = chunkCount;
        commit.originChunks = originChunks;
        return commit;
    }

    /** The commit {@code committed} is durable: it is the newest now. */
    void committed(long committed) {
        sequence = committed;
    }

    /** Drops every cached node and every chunk known copy-free: they may no longer be what the disk holds. */
    void forgetCaches() {
        nodes.invalidate();
        copyFree.forgetAll();
    }

    /** Origin chunks known to need no copy (see {@link CopyFreeChunks}). */
    CopyFreeChunks copyFree() {
        return copyFree;
    }

    NodeCache nodes() {
        return nodes;
    }

    SpaceMap space() {
        return space;
    }

    BTree tree() {
        return tree;
    }

    SnapshotTable table() {
        return table;
    }

    /** The range counters (format 3), null before. */
    RangeCounts counts() {
        return counts;
    }

    /** For repair: a new tree with counters that count it (null before format 3). */
    void replaceTree(BTree rebuilt, RangeCounts recounted) {
        copyFree.forgetAll();
        tree = rebuilt;
        counts = recounted;
    }

    /** The newest durable commit's sequence number. */
    long sequence() {
        return sequence;
    }

    long chunkCount() {
        return chunkCount;
    }

    /** The store grew to {@code chunks} in the open transaction. */
    void grewTo(long chunks) {
        chunkCount = chunks;
    }

    long originChunks() {
        return originChunks;
    }

    /** The origin now has {@code chunks} chunks (it never shrinks). */
    void originResized(long chunks) {
        originChunks = chunks;
    }

    DeleteCursor deleteCursor() {
        return new DeleteCursor(deleteCursorChunk, deleteCursorId);
    }

    void moveDeleteCursor(long originChunk, long fromId) {
        deleteCursorChunk = originChunk;
        deleteCursorId = fromId;
    }

    /** Keeps the range counters (format 3) in step with an entry that left ({@code old}) and one that came. */
    void recount(ExceptionEntry old, ExceptionEntry added) {
        if (counts == null) {
            return;
        }
        if (old != null) {
            counts.removed(old);
        }
        if (added != null) {
            counts.added(added);
        }
    }

    /** Marks every live snapshot in {@code ids} INVALID; returns their names. */
    List<String> invalidateLive(IdRange ids) throws StoreException {
        copyFree.forgetAll(); // the snapshot table changes
        List<String> invalidated = new ArrayList<>();
        for (SnapshotInfo info : table.all()) {
            if (info.state() == SnapshotState.LIVE && info.id() >= ids.from() && info.id() <= ids.to()) {
                table.setState(info.id(), SnapshotState.INVALID);
                invalidated.add(info.name());
            }
        }
        return invalidated;
    }
}
