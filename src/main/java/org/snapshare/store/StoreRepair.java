package org.snapshare.store;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * The offline repair of a store whose B+-tree has damaged nodes, like
 * thin_repair: the entries still readable are put into a new tree, chunks
 * nothing readable refers to any more are freed, and when anything was lost
 * every live snapshot becomes INVALID (it might have lost a copy: it is never
 * served with a wrong chunk). One commit makes it all durable; a crash before
 * it leaves the store as it was (the new tree only takes chunks the old
 * commit does not use), so repair can simply run again.
 */
public final class StoreRepair {

    /** What a repair did. */
    public record Result(long copiesHealed, List<Long> damagedNodes, long entriesKept, long entriesDropped,
            long chunksFreed, long chunksClaimed, List<String> invalidated) {
    }

    private final SharedExceptionStore store;
    private final List<Long> damagedNodes = new ArrayList<>();
    private final List<ExceptionEntry> kept = new ArrayList<>();
    private final Set<Long> storeChunks = new HashSet<>();
    private long dropped;
    private long walked;
    private long healed;

    private StoreRepair(SharedExceptionStore store) {
        this.store = store;
    }

    /** Repairs {@code store} in place; {@code progress} gets the number of tree nodes read so far. */
    public static Result repair(SharedExceptionStore store, LongConsumer progress) throws IOException {
        // Offline, with every lock file of the data dir held: this process may write the store.
        store.takeOver(new SingleNodeLock().take(Duration.ZERO).orElseThrow());
        StoreScrub scrub = new StoreScrub(store); // first every block that has a good copy is made whole again
        while (scrub.step()) {
            progress.accept(scrub.blocksRead());
        }
        StoreRepair repair = new StoreRepair(store);
        repair.healed = scrub.healed();
        repair.walked = scrub.blocksRead(); // progress goes on counting from there
        BTree tree = store.state().tree();
        if (tree.height > 0) {
            repair.walk(tree.root, tree.height - 1, progress);
        }
        boolean lost = !repair.damagedNodes.isEmpty() || repair.dropped > 0;
        Rebuilt rebuilt = store.repairing(() -> repair.rebuild(lost));
        store.commit();
        return new Result(repair.healed, List.copyOf(repair.damagedNodes), repair.kept.size(), repair.dropped,
                rebuilt.chunksFreed(), rebuilt.chunksClaimed(), rebuilt.invalidated());
    }

    /** What {@link #rebuild} did: chunks it freed, in-use chunks it marked so, snapshots it invalidated. */
    private record Rebuilt(long chunksFreed, long chunksClaimed, List<String> invalidated) {
    }

    /**
     * Under the store's lock: replaces the tree with one holding exactly the
     * entries kept (sorted, sound), frees every allocated chunk that then
     * belongs to nothing (the old tree's nodes, data behind damaged nodes),
     * and invalidates the live snapshots when entries were {@code lost}. The
     * new nodes take chunks free in the old commit, so a crash leaves it whole.
     */
    private Rebuilt rebuild(boolean lost) throws IOException {
        StoreState state = store.state();
        SpaceMap space = state.space();
        StoreLayout layout = store.superblock().layout();
        state.forgetCaches();
        long claimed = 0;
        for (ExceptionEntry entry : kept) { // before the new nodes can take them
            if (!entry.zeros() && !space.isAllocated(entry.storeChunk())) {
                space.claim(entry.storeChunk());
                claimed++;
            }
        }
        BTree rebuilt = new BTree(state.nodes(), space, layout, store.chunkSize(), BlockRef.NONE, 0);
        RangeCounts recounted = state.counts() == null ? null : RangeCounts.empty(store.metadataIo(), layout);
        for (ExceptionEntry entry : kept) {
            rebuilt.insert(entry);
            if (recounted != null) {
                recounted.added(entry);
            }
        }
        state.replaceTree(rebuilt, recounted); // the old counter chain belongs to nothing now: freed below
        Set<Long> owned = new HashSet<>();
        for (long chunk = 0; chunk < layout.reservedChunks(store.chunkSize()); chunk++) {
            owned.add(chunk);
        }
        owned.addAll(space.metadataChunks()); // the map and table shadow themselves at the commit
        owned.addAll(state.table().chunks());
        rebuilt.visitNodes((node, level) -> owned.addAll(node.ref().chunks()));
        owned.addAll(storeChunks);
        long freed = 0;
        for (long chunk = 0; chunk < state.chunkCount(); chunk++) {
            if (space.isAllocated(chunk) && !owned.contains(chunk)) {
                space.free(chunk);
                freed++;
            }
        }
        List<String> invalidated = lost
                ? store.invalidateLive("repair could not read every entry; they may have lost copies") : List.of();
        return new Rebuilt(freed, claimed, invalidated);
    }

    /** Collects the readable, sound entries below {@code location}; damaged nodes are noted and skipped. */
    private void walk(BlockRef ref, int level, LongConsumer progress) throws IOException {
        long location = ref.primary();
        if (ref.chunks().stream().anyMatch(chunk -> chunk <= 0 || chunk >= store.chunkCount())) {
            damagedNodes.add(location);
            return;
        }
        Node node;
        try {
            node = store.readNodeUncached(ref); // heals a bad copy from a good one
        } catch (StoreCorruptException e) {
            damagedNodes.add(location);
            return;
        }
        if (node.level != level) {
            damagedNodes.add(location);
            return;
        }
        if (++walked % 1024 == 0) {
            progress.accept(walked);
        }
        for (int i = 0; i < node.count; i++) {
            if (node.isLeaf()) {
                keepIfSound(node, i);
            } else {
                walk(node.child(i), level - 1, progress);
            }
        }
    }

    private void keepIfSound(Node leaf, int i) {
        ExceptionEntry entry;
        try {
            entry = leaf.entry(i);
        } catch (IllegalArgumentException impossible) {
            dropped++; // an id range or chunk number no entry can have
            return;
        }
        keep(entry);
    }

    /** Keeps an entry that is sound and does not collide with one kept before; else it is dropped (a loss). */
    private void keep(ExceptionEntry entry) {
        ExceptionEntry last = kept.isEmpty() ? null : kept.get(kept.size() - 1);
        boolean sound = entry.fromId() > 0 && entry.fromId() <= entry.toId()
                && entry.toId() < store.state().table().nextId()
                && entry.originChunk() >= 0 && entry.originChunk() < store.originChunks()
                && (entry.zeros() ? store.holdsUnmappedRanges()
                        : entry.storeChunk() < store.chunkCount() && !storeChunks.contains(entry.storeChunk()))
                && (last == null || Node.compare(last.originChunk(), last.fromId(), entry.originChunk(),
                        entry.fromId()) < 0)
                && (last == null || last.originChunk() != entry.originChunk() || last.toId() < entry.fromId());
        if (sound) {
            kept.add(entry);
            if (!entry.zeros()) {
                storeChunks.add(entry.storeChunk());
            }
        } else {
            dropped++;
        }
    }
}
