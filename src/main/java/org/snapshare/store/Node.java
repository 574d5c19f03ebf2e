package org.snapshare.store;

import java.nio.ByteBuffer;

/**
 * A B+-tree node in memory. Keys are (origin chunk, from id). A leaf holds
 * (key, to id, store chunk); an internal node holds (key, child), where the
 * key is at most every key in the child (docs/FORMAT.md).
 */
final class Node {

    static final int MAGIC = 0x42544e44; // "BTND"
    static final int LEAF_ENTRY = 32;
    static final int INTERNAL_ENTRY = 24;

    long location;
    final int level;
    int count;
    final long[] chunk;
    final long[] from;
    /** Leaf: to id. Internal: child location. */
    final long[] value;
    /** Leaf only: store chunk. */
    final long[] store;

    Node(long location, int level, int capacity) {
        this.location = location;
        this.level = level;
        // One spare slot: a node may overflow by one entry before it is split.
        this.chunk = new long[capacity + 1];
        this.from = new long[capacity + 1];
        this.value = new long[capacity + 1];
        this.store = level == 0 ? new long[capacity + 1] : null;
    }

    boolean isLeaf() {
        return level == 0;
    }

    static int capacity(int chunkSize, boolean leaf) {
        return (chunkSize - MetaBlock.HEADER) / (leaf ? LEAF_ENTRY : INTERNAL_ENTRY);
    }

    static int compare(long chunkA, long fromA, long chunkB, long fromB) {
        int byChunk = Long.compare(chunkA, chunkB);
        return byChunk != 0 ? byChunk : Long.compare(fromA, fromB);
    }

    /** Index of the last key <= (c, f), or -1. */
    int floor(long c, long f) {
        int low = 0;
        int high = count - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (compare(chunk[mid], from[mid], c, f) <= 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }

    ExceptionEntry entry(int i) {
        return new ExceptionEntry(chunk[i], from[i], value[i], store[i]);
    }

    void insertAt(int i, long c, long f, long v, long s) {
        int tail = count - i;
        System.arraycopy(chunk, i, chunk, i + 1, tail);
        System.arraycopy(from, i, from, i + 1, tail);
        System.arraycopy(value, i, value, i + 1, tail);
        if (store != null) {
            System.arraycopy(store, i, store, i + 1, tail);
            store[i] = s;
        }
        chunk[i] = c;
        from[i] = f;
        value[i] = v;
        count++;
    }

    void removeAt(int i) {
        int tail = count - i - 1;
        System.arraycopy(chunk, i + 1, chunk, i, tail);
        System.arraycopy(from, i + 1, from, i, tail);
        System.arraycopy(value, i + 1, value, i, tail);
        if (store != null) {
            System.arraycopy(store, i + 1, store, i, tail);
        }
        count--;
    }

    /** Moves entries [from, count) into {@code right} (empty). */
    void moveTail(int start, Node right) {
        int n = count - start;
        System.arraycopy(chunk, start, right.chunk, 0, n);
        System.arraycopy(from, start, right.from, 0, n);
        System.arraycopy(value, start, right.value, 0, n);
        if (store != null) {
            System.arraycopy(store, start, right.store, 0, n);
        }
        right.count = n;
        count = start;
    }

    Node copyTo(long newLocation, int capacity) {
        Node copy = new Node(newLocation, level, capacity);
        System.arraycopy(chunk, 0, copy.chunk, 0, count);
        System.arraycopy(from, 0, copy.from, 0, count);
        System.arraycopy(value, 0, copy.value, 0, count);
        if (store != null) {
            System.arraycopy(store, 0, copy.store, 0, count);
        }
        copy.count = count;
        return copy;
    }

    void encode(ByteBuffer block) {
        java.util.Arrays.fill(block.array(), (byte) 0);
        MetaBlock.writeHeader(block, MAGIC, level, count, location);
        int stride = isLeaf() ? LEAF_ENTRY : INTERNAL_ENTRY;
        for (int i = 0; i < count; i++) {
            int at = MetaBlock.HEADER + i * stride;
            block.putLong(at, chunk[i]).putLong(at + 8, from[i]).putLong(at + 16, value[i]);
            if (isLeaf()) {
                block.putLong(at + 24, store[i]);
            }
        }
        MetaBlock.seal(block);
    }

    static Node decode(ByteBuffer block, long location, int chunkSize) throws StoreCorruptException {
        MetaBlock.verify(block, MAGIC, location, "B+-tree node");
        int level = block.getShort(6);
        int count = block.getInt(12);
        int capacity = capacity(chunkSize, level == 0);
        if (level < 0 || count < 0 || count > capacity) {
            throw new StoreCorruptException("B+-tree node at chunk " + location + ": level " + level + ", " + count
                    + " entries");
        }
        Node node = new Node(location, level, capacity);
        int stride = level == 0 ? LEAF_ENTRY : INTERNAL_ENTRY;
        for (int i = 0; i < count; i++) {
            int at = MetaBlock.HEADER + i * stride;
            node.chunk[i] = block.getLong(at);
            node.from[i] = block.getLong(at + 8);
            node.value[i] = block.getLong(at + 16);
            if (level == 0) {
                node.store[i] = block.getLong(at + 24);
            }
        }
        node.count = count;
        return node;
    }
}
