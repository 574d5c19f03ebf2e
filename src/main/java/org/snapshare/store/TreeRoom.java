package org.snapshare.store;

/**
 * The room a store keeps for its metadata (docs/STORE.md, "Store full").
 * Tree nodes are shadowed when they change and the old ones are freed only
 * at the commit, so every change to the tree takes chunks until then, and
 * the commit itself takes more (space map, table and counter blocks). The
 * room is kept in layers, from the bottom: the commit's, then a layer only
 * removals may use (they give chunks back at their commit, so deletes go on
 * in a store that filled), then chunks promised to operations under way.
 * A tree change checks before it starts that its worst case fits above
 * those layers, so a change either happens whole or is refused with nothing
 * changed, and no commit ever finds the store too full to write itself.
 * Guarded by the transaction manager's lock.
 */
final class TreeRoom {

    /** What a tree change does; an insert may split a node at every level and add a root. */
    enum Change {
        INSERT,
        UPDATE,
        REMOVE
    }

    /** Room promised to one operation of several tree changes; drawn down by its changes, on its own thread. */
    static final class Promise {
        private long chunksLeft;

        private Promise(long chunks) {
            this.chunksLeft = chunks;
        }
    }

    /** Commits: the table and counter chains may be rewritten longer than they are, so they count twice. */
    private static final int CHAIN_GROWTH = 2;
    /** Blocks on top of those, for a chain that starts from nothing in this commit. */
    private static final int COMMIT_SLACK_BLOCKS = 8;
    /** Removals the layer kept for them admits between two commits at the least. */
    private static final int REMOVALS_KEPT = 4;

    private final StoreState state;
    private final int chunksPerBlock;
    private final ThreadLocal<Promise> current = new ThreadLocal<>();
    /** Chunks promised and not yet drawn, over every operation under way. */
    private long promised;

    TreeRoom(StoreState state, StoreLayout layout) {
        this.state = state;
        this.chunksPerBlock = layout.mirrored ? 2 : 1;
    }

    /**
     * Before a tree change: draws its worst case from this thread's promise
     * if it holds one, else checks that it fits above the layers kept.
     */
    void beforeChange(Change change) throws StoreFullException {
        long need = worstChunks(change, state.tree().height);
        Promise promise = current.get();
        if (promise != null && promise.chunksLeft >= need) {
            promise.chunksLeft -= need;
            promised -= need;
            return;
        }
        long kept = commitChunks() + (change == Change.REMOVE ? 0 : removalChunks()) + promised;
        if (state.space().freeChunks() - kept < need) {
            throw StoreFullException.forMetadata(state.chunkCount(), state.space().freeChunks());
        }
    }

    /**
     * Room for {@code changes} tree changes, promised to the calling thread
     * until {@link #release}: an operation that changes the tree in several
     * steps takes it first, so it cannot be refused half-way.
     */
    Promise promise(int changes) throws StoreFullException {
        if (current.get() != null) {
            throw new IllegalStateException("a thread holds one promise of tree room at a time");
        }
        // A change may raise the tree by a level: count each at the height one above.
        long need = changes * worstChunks(Change.INSERT, state.tree().height + 1);
        if (state.space().freeChunks() - commitChunks() - removalChunks() - promised < need) {
            throw StoreFullException.forMetadata(state.chunkCount(), state.space().freeChunks());
        }
        Promise promise = new Promise(need);
        promised += need;
        current.set(promise);
        return promise;
    }

    /** Gives back what the operation did not draw. */
    void release(Promise promise) {
        promised -= promise.chunksLeft;
        promise.chunksLeft = 0;
        current.remove();
    }

    /** What copied data must leave free at the least: the commit's, the removals' and the promised room. */
    long keptFromData() {
        return commitChunks() + removalChunks() + promised;
    }

    /** The most chunks one change can take: a shadow of each node on its path, a split at each level and a root. */
    private long worstChunks(Change change, int height) {
        long blocks = change == Change.INSERT ? 2L * height + 1 : Math.max(1, height);
        return blocks * chunksPerBlock;
    }

    /** The most the commit itself takes: every space map block, and the table and counter chains rewritten. */
    private long commitChunks() {
        RangeCounts counts = state.counts();
        long chains = state.table().blockCount() + (counts == null ? 0 : counts.blockCount());
        return (state.space().blockCount() + CHAIN_GROWTH * chains + COMMIT_SLACK_BLOCKS) * chunksPerBlock;
    }

    private long removalChunks() {
        return REMOVALS_KEPT * worstChunks(Change.REMOVE, state.tree().height);
    }
}
