package org.snapshare.store;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bytes of B+-tree nodes the node caches of several stores may hold
 * together (the server's `metadata-cache`): each open store keeps an equal
 * share, so the heap the caches take does not grow with the number of
 * volumes. It was 64 MiB per store: with the README's -Xmx256m four busy
 * volumes could fill the heap. A store opened on its own (a tool, a test)
 * has a budget of its own.
 */
public final class NodeCacheBudget {

    /** What a cache keeps however small its share: a root-to-leaf path and then some. */
    static final int LEAST_NODES = 16;

    private final long bytes;
    private final AtomicInteger stores = new AtomicInteger();

    public NodeCacheBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a node cache budget must be positive, not " + bytes + " bytes");
        }
        this.bytes = bytes;
    }

    /** The built-in budget: a quarter of the heap's limit (-Xmx). */
    public static long defaultBytes() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    public long bytes() {
        return bytes;
    }

    /** A store's cache shares the budget from now on. */
    void join() {
        stores.incrementAndGet();
    }

    /** A store closed: the others' shares grow. */
    void leave() {
        stores.decrementAndGet();
    }

    /** Nodes of {@code nodeBytes} one store's cache may keep: its share, at least {@link #LEAST_NODES}. */
    int nodesEach(int nodeBytes) {
        long share = bytes / Math.max(1, stores.get());
        return (int) Math.min(Integer.MAX_VALUE, Math.max(LEAST_NODES, share / nodeBytes));
    }
}
