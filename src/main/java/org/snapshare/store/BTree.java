package org.snapshare.store;

import java.io.IOException;
import java.util.function.Predicate;

/**
 * The copy-on-write B+-tree of exception entries. A node that is not fresh
 * in the open transaction is never changed in place: it is copied to a new
 * chunk ("shadowed") and the old chunk is freed when the transaction commits,
 * so the last committed tree stays intact on disk until the next commit.
 * Nodes are split when full and dropped when empty; they are not merged.
 */
final class BTree {

    private final NodeCache nodes;
    private final SpaceMap space;
    private final int leafCapacity;
    private final int internalCapacity;
    BlockRef root;
    int height;

    BTree(NodeCache nodes, SpaceMap space, StoreLayout layout, int chunkSize, BlockRef root, int height) {
        this.nodes = nodes;
        this.space = space;
        int nodeBytes = layout.nodeBytes(chunkSize);
        this.leafCapacity = Node.capacity(layout, nodeBytes, true);
        this.internalCapacity = Node.capacity(layout, nodeBytes, false);
        this.root = root;
        this.height = height;
    }

    /** The node at {@code ref}, through the cache (the open transaction's version if it changed). */
    Node node(BlockRef ref) throws IOException {
        return nodes.read(ref);
    }

    /** The entry with the greatest key <= (c, f), or null. */
    ExceptionEntry floor(long c, long f) throws IOException {
        return height == 0 ? null : floor(nodes.read(root), c, f);
    }

    private ExceptionEntry floor(Node node, long c, long f) throws IOException {
        int i = node.floor(c, f);
        if (node.isLeaf()) {
            return i < 0 ? null : node.entry(i);
        }
        // A separator may be stale after removals: step back a child if this one has nothing <= key.
        for (int child = Math.max(i, 0); child >= 0; child--) {
            ExceptionEntry found = floor(nodes.read(node.child(child)), c, f);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The entry covering snapshot {@code id} for origin chunk {@code c}, or null. */
    ExceptionEntry find(long c, long id) throws IOException {
        ExceptionEntry floor = floor(c, id);
        return floor != null && floor.originChunk() == c && floor.toId() >= id ? floor : null;
    }

    /** Visits entries in key order from (c, f) until the visitor returns false. */
    void scan(long c, long f, Predicate<ExceptionEntry> visitor) throws IOException {
        if (height > 0) {
            scan(nodes.read(root), c, f, visitor);
        }
    }

    private boolean scan(Node node, long c, long f, Predicate<ExceptionEntry> visitor) throws IOException {
        int start = node.floor(c, f);
        if (node.isLeaf()) {
            int i = start >= 0 && Node.compare(node.chunk[start], node.from[start], c, f) == 0 ? start : start + 1;
            for (; i < node.count; i++) {
                if (!visitor.test(node.entry(i))) {
                    return false;
                }
            }
            return true;
        }
        for (int i = Math.max(start, 0); i < node.count; i++) {
            if (!scan(nodes.read(node.child(i)), c, f, visitor)) {
                return false;
            }
        }
        return true;
    }

    void insert(ExceptionEntry entry) throws IOException {
        if (height == 0) {
            Node leaf = newNode(0);
            leaf.insertAt(0, entry);
            root = leaf.ref();
            height = 1;
            return;
        }
        Node top = writable(nodes.read(root));
        root = top.ref();
        Node right = insert(top, entry);
        if (right != null) {
            Node newRoot = newNode(height);
            newRoot.insertChildAt(0, top.chunk[0], top.from[0], top.ref());
            newRoot.insertChildAt(1, right.chunk[0], right.from[0], right.ref());
            root = newRoot.ref();
            height++;
        }
    }

    /** Inserts below {@code node} (writable); returns the new right sibling if it split. */
    private Node insert(Node node, ExceptionEntry e) throws IOException {
        long c = e.originChunk();
        long f = e.fromId();
        int i = node.floor(c, f);
        int insertedAt;
        if (node.isLeaf()) {
            if (i >= 0 && Node.compare(node.chunk[i], node.from[i], c, f) == 0) {
                throw new IllegalStateException("an entry for chunk " + c + " from id " + f + " exists");
            }
            insertedAt = i + 1;
            node.insertAt(insertedAt, e);
        } else {
            int slot = Math.max(i, 0);
            if (i < 0) {
                node.chunk[0] = c; // keep the first separator a lower bound of everything below
                node.from[0] = f;
            }
            Node child = writable(nodes.read(node.child(slot)));
            node.setChild(slot, child.ref());
            Node split = insert(child, e);
            insertedAt = slot + 1;
            if (split != null) {
                node.insertChildAt(insertedAt, split.chunk[0], split.from[0], split.ref());
            }
        }
        if (node.count > (node.isLeaf() ? leafCapacity : internalCapacity)) {
            Node right = newNode(node.level);
            node.moveTail(splitPoint(node, insertedAt), right);
            return right;
        }
        return null;
    }

    /**
     * Where a full node splits: in half, unless the entry just added is its
     * last, as when copies go in ascending order (a whole overwrite): then
     * the left node stays full and the new one starts with that entry, so
     * such a run fills its nodes instead of leaving each half empty.
     */
    private static int splitPoint(Node node, int insertedAt) {
        return insertedAt == node.count - 1 ? node.count - 1 : node.count / 2;
    }

    /** Removes the entry keyed (c, f); returns it, or null if there is none. */
    ExceptionEntry remove(long c, long f) throws IOException {
        ExceptionEntry removed = floor(c, f);
        if (removed == null || removed.originChunk() != c || removed.fromId() != f) {
            return null;
        }
        Node top = writable(nodes.read(root));
        root = top.ref();
        remove(top, c, f);
        if (top.count == 0) {
            release(top);
            root = BlockRef.NONE;
            height = 0;
        }
        while (height > 1) {
            Node current = nodes.read(root);
            if (current.count != 1) {
                break;
            }
            root = current.child(0);
            release(current);
            height--;
        }
        return removed;
    }

    private void remove(Node node, long c, long f) throws IOException {
        int i = node.floor(c, f);
        if (node.isLeaf()) {
            node.removeAt(i);
            return;
        }
        // The key was found above; with stale separators it may sit in an earlier child.
        for (int slot = Math.max(i, 0); slot >= 0; slot--) {
            Node peek = nodes.read(node.child(slot));
            if (contains(peek, c, f)) {
                Node child = writable(peek);
                node.setChild(slot, child.ref());
                remove(child, c, f);
                if (child.count == 0) {
                    release(child);
                    node.removeAt(slot);
                }
                return;
            }
        }
        throw new IllegalStateException("entry " + c + ":" + f + " vanished during removal");
    }

    /** Replaces the to-id, store chunk and checksum of the entry keyed like {@code e}; returns the old one or null. */
    ExceptionEntry update(ExceptionEntry e) throws IOException {
        long c = e.originChunk();
        long f = e.fromId();
        ExceptionEntry old = floor(c, f);
        if (old == null || old.originChunk() != c || old.fromId() != f) {
            return null;
        }
        Node node = writable(nodes.read(root));
        root = node.ref();
        while (!node.isLeaf()) {
            int i = node.floor(c, f);
            int slot = Math.max(i, 0);
            while (!contains(nodes.read(node.child(slot)), c, f)) {
                slot--;
            }
            Node child = writable(nodes.read(node.child(slot)));
            node.setChild(slot, child.ref());
            node = child;
        }
        int i = node.floor(c, f);
        node.value[i] = e.toId();
        node.store[i] = e.storeChunk();
        node.checksum[i] = e.checksum();
        return old;
    }

    private boolean contains(Node node, long c, long f) throws IOException {
        ExceptionEntry floor = floor(node, c, f);
        return floor != null && floor.originChunk() == c && floor.fromId() == f;
    }

    /** Every chunk of the tree, for check: visits each node once. */
    void visitNodes(NodeVisitor visitor) throws IOException {
        if (height > 0) {
            visitNodes(root, height - 1, visitor);
        }
    }

    interface NodeVisitor {
        void visit(Node node, int expectedLevel) throws IOException;
    }

    private void visitNodes(BlockRef location, int expectedLevel, NodeVisitor visitor) throws IOException {
        Node node = nodes.read(location);
        visitor.visit(node, expectedLevel);
        if (!node.isLeaf() && node.level == expectedLevel) {
            for (int i = 0; i < node.count; i++) {
                visitNodes(node.child(i), expectedLevel - 1, visitor);
            }
        }
    }

    private Node writable(Node node) throws StoreFullException {
        BlockRef place = space.shadow(node.ref());
        if (place.equals(node.ref())) {
            nodes.markDirty(node);
            return node;
        }
        Node copy = node.copyTo(place, node.isLeaf() ? leafCapacity : internalCapacity);
        nodes.forget(node.location);
        nodes.markDirty(copy);
        return copy;
    }

    private Node newNode(int level) throws StoreFullException {
        Node node = new Node(space.allocateBlock(), level, level == 0 ? leafCapacity : internalCapacity);
        nodes.markDirty(node);
        return node;
    }

    private void release(Node node) {
        nodes.forget(node.location);
        space.freeBlock(node.ref());
    }
}
