package org.snapshare.store;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A B+-tree node in memory. Keys are (origin chunk, from id). A leaf holds
 * (key, to id, store chunk); an internal node holds (key, child), where the
 * key is at most every key in the child (docs/FORMAT.md).
 */
final class Node {

    /** Format 3 leaf entries: the CRC32C of the copied data, and a flag byte (bit 0: the CRC is set). */
    static final int CHECKSUM_OFFSET = 32;
    static final int CHECKSUM_FLAG_OFFSET = 36;

    long location;
    /** Where the node's copy lives (format 3), else 0. */
    long mirror;
    final int level;
    int count;
    final long[] chunk;
    final long[] from;
    /** Leaf: to id. Internal: child location. */
    final long[] value;
    /** Leaf only: store chunk. */
    final long[] store;
    /** Internal only: where each child's copy lives (format 3), else 0. */
    final long[] childMirror;
    /** Leaf only: the checksum of each entry's data, or {@link ExceptionEntry#NO_CHECKSUM}. */
    final long[] checksum;

    Node(BlockRef ref, int level, int capacity) {
        this.location = ref.primary();
        this.mirror = ref.mirror();
        this.level = level;
        // One spare slot: a node may overflow by one entry before it is split.
        this.chunk = new long[capacity + 1];
        this.from = new long[capacity + 1];
        this.value = new long[capacity + 1];
        this.store = level == 0 ? new long[capacity + 1] : null;
        this.childMirror = level == 0 ? null : new long[capacity + 1];
        this.checksum = level == 0 ? new long[capacity + 1] : null;
    }

    BlockRef ref() {
        return new BlockRef(location, mirror);
    }

    /** Internal: the reference to child {@code i}. */
    BlockRef child(int i) {
        return new BlockRef(value[i], childMirror[i]);
    }

    void setChild(int i, BlockRef child) {
        value[i] = child.primary();
        childMirror[i] = child.mirror();
    }

    boolean isLeaf() {
        return level == 0;
    }

    static int capacity(StoreLayout layout, int nodeBytes, boolean leaf) {
        return (nodeBytes - MetaBlock.HEADER) / (leaf ? layout.leafEntryBytes() : layout.internalEntryBytes());
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
        return new ExceptionEntry(chunk[i], from[i], value[i], store[i], checksum[i]);
    }

    /** Inserts a leaf entry at {@code i}. */
    void insertAt(int i, ExceptionEntry e) {
        insertAt(i, e.originChunk(), e.fromId(), e.toId(), e.storeChunk(), e.checksum());
    }

    /** Inserts an internal entry pointing at {@code child} at {@code i}. */
    void insertChildAt(int i, long c, long f, BlockRef child) {
        insertAt(i, c, f, child.primary(), 0, child.mirror());
    }

    /** {@code m}: a leaf entry's checksum, an internal entry's child mirror. */
    private void insertAt(int i, long c, long f, long v, long s, long m) {
        int tail = count - i;
        System.arraycopy(chunk, i, chunk, i + 1, tail);
        System.arraycopy(from, i, from, i + 1, tail);
        System.arraycopy(value, i, value, i + 1, tail);
        if (store != null) {
            System.arraycopy(store, i, store, i + 1, tail);
            System.arraycopy(checksum, i, checksum, i + 1, tail);
            store[i] = s;
            checksum[i] = m;
        } else {
            System.arraycopy(childMirror, i, childMirror, i + 1, tail);
            childMirror[i] = m;
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
            System.arraycopy(checksum, i + 1, checksum, i, tail);
        } else {
            System.arraycopy(childMirror, i + 1, childMirror, i, tail);
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
            System.arraycopy(checksum, start, right.checksum, 0, n);
        } else {
            System.arraycopy(childMirror, start, right.childMirror, 0, n);
        }
        right.count = n;
        count = start;
    }

    Node copyTo(BlockRef newLocation, int capacity) {
        Node copy = new Node(newLocation, level, capacity);
        System.arraycopy(chunk, 0, copy.chunk, 0, count);
        System.arraycopy(from, 0, copy.from, 0, count);
        System.arraycopy(value, 0, copy.value, 0, count);
        if (store != null) {
            System.arraycopy(store, 0, copy.store, 0, count);
            System.arraycopy(checksum, 0, copy.checksum, 0, count);
        } else {
            System.arraycopy(childMirror, 0, copy.childMirror, 0, count);
        }
        copy.count = count;
        return copy;
    }

    /** The node as a block naming its primary chunk (not sealed: {@link MetadataIo#write} seals each copy). */
    void encode(ByteBuffer block, StoreLayout layout) {
        Arrays.fill(block.array(), (byte) 0);
        MetaBlock.writeHeader(block, BlockKind.NODE, level, count, location);
        int stride = isLeaf() ? layout.leafEntryBytes() : layout.internalEntryBytes();
        for (int i = 0; i < count; i++) {
            int at = MetaBlock.HEADER + i * stride;
            block.putLong(at, chunk[i]).putLong(at + 8, from[i]);
            if (isLeaf()) {
                block.putLong(at + 16, value[i]).putLong(at + 24, store[i]);
                if (layout.dataChecksums && checksum[i] != ExceptionEntry.NO_CHECKSUM) {
                    block.putInt(at + CHECKSUM_OFFSET, (int) checksum[i]).put(at + CHECKSUM_FLAG_OFFSET, (byte) 1);
                }
            } else {
                layout.putRef(block, at + 16, child(i));
            }
        }
    }

    /** The node in {@code block}, read (and checked) from {@code ref} by {@link MetadataIo}. */
    static Node decode(ByteBuffer block, BlockRef ref, StoreLayout layout) throws StoreCorruptException {
        int level = block.getShort(MetaBlock.LEVEL_OFFSET);
        int count = block.getInt(MetaBlock.COUNT_OFFSET);
        int nodeBytes = block.capacity();
        if (level < 0 || count < 0 || count > capacity(layout, nodeBytes, level == 0)) {
            throw new StoreCorruptException("B+-tree node at chunk " + ref.primary() + ": level " + level + ", "
                    + count + " entries");
        }
        Node node = new Node(ref, level, capacity(layout, nodeBytes, level == 0));
        int stride = level == 0 ? layout.leafEntryBytes() : layout.internalEntryBytes();
        for (int i = 0; i < count; i++) {
            int at = MetaBlock.HEADER + i * stride;
            node.chunk[i] = block.getLong(at);
            node.from[i] = block.getLong(at + 8);
            if (level == 0) {
                node.value[i] = block.getLong(at + 16);
                node.store[i] = block.getLong(at + 24);
                node.checksum[i] = layout.dataChecksums && (block.get(at + CHECKSUM_FLAG_OFFSET) & 1) != 0
                        ? Integer.toUnsignedLong(block.getInt(at + CHECKSUM_OFFSET)) : ExceptionEntry.NO_CHECKSUM;
            } else {
                node.setChild(i, layout.getRef(block, at + 16));
            }
        }
        node.count = count;
        return node;
    }
}
