package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads, caches and writes B+-tree nodes. Clean nodes live in an LRU bounded
 * by the store's share of a {@link NodeCacheBudget} (it shrinks at the next
 * read when another store joins the budget); nodes changed in the open
 * transaction are kept apart until the commit writes them, so memory is the
 * cache limit plus one transaction's changes.
 */
final class NodeCache {

    private final MetadataIo io;
    private final StoreLayout layout;
    private final Map<Long, Node> clean;
    private final Map<Long, Node> dirty = new HashMap<>();
    private long reads;

    NodeCache(MetadataIo io, StoreLayout layout, NodeCacheBudget budget) {
        this.io = io;
        this.layout = layout;
        this.clean = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Node> eldest) {
                int most = budget.nodesEach(io.blockBytes(BlockKind.NODE));
                Iterator<Long> oldestFirst = keySet().iterator();
                while (size() > most && oldestFirst.hasNext()) { // a share that shrank drops more than one
                    oldestFirst.next();
                    oldestFirst.remove();
                }
                return false; // removed above, as LinkedHashMap allows
            }
        };
    }

    /** Clean nodes held now. */
    int cachedNodes() {
        return clean.size();
    }

    Node read(BlockRef ref) throws IOException {
        Node node = dirty.get(ref.primary());
        if (node == null) {
            node = clean.get(ref.primary());
        }
        if (node == null) {
            ByteBuffer block = io.read(ref, BlockKind.NODE);
            reads++;
            node = Node.decode(block, ref, layout);
            clean.put(ref.primary(), node);
        }
        return node;
    }

    /** Registers a node changed in this transaction (it must live at a fresh chunk). */
    void markDirty(Node node) {
        clean.remove(node.location);
        dirty.put(node.location, node);
    }

    void forget(long location) {
        clean.remove(location);
        dirty.remove(location);
    }

    /** Writes every changed node (not flushed) and moves them to the clean cache. */
    void writeDirty() throws IOException {
        ByteBuffer block = ByteBuffer.allocate(io.blockBytes(BlockKind.NODE));
        for (Node node : dirty.values()) {
            node.encode(block, layout);
            io.write(node.ref(), block);
        }
        clean.putAll(dirty);
        dirty.clear();
    }

    /** Drops every cached node, e.g. after a failed commit. */
    void invalidate() {
        clean.clear();
        dirty.clear();
    }

    long deviceReads() {
        return reads;
    }
}
