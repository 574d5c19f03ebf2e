package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many copied chunks the entries of each id range hold (format 3):
 * kept beside the tree and committed with it, so the space a snapshot owns
 * alone is a sum over a few ranges instead of a walk over every entry.
 * Unmapped ranges (store chunk 0) hold none. On disk a chain of blocks like
 * the snapshot table's (magic `SNRC`), rewritten to fresh chunks when it
 * changed; docs/FORMAT.md.
 */
final class RangeCounts {

    private static final int RECORD_BYTES = 24; // from id, to id, count

    private final BlockChain chain;
    private final TreeMap<IdRange, Long> counts = new TreeMap<>(
            (a, b) -> a.from() != b.from() ? Long.compare(a.from(), b.from()) : Long.compare(a.to(), b.to()));

    private RangeCounts(MetadataIo io, StoreLayout layout) {
        this.chain = new BlockChain(io, layout, BlockKind.RANGE_COUNTS);
    }

    static RangeCounts empty(MetadataIo io, StoreLayout layout) {
        return new RangeCounts(io, layout);
    }

    static RangeCounts load(MetadataIo io, StoreLayout layout, BlockRef head, long chunkCount) throws IOException {
        RangeCounts loaded = new RangeCounts(io, layout);
        loaded.chain.load(head, chunkCount, (block, count, offset, where) -> {
            if (offset + (long) count * RECORD_BYTES > block.capacity()) {
                throw new StoreCorruptException("range counter block at chunk " + where.primary() + " lists " + count
                        + " ranges");
            }
            for (int i = 0; i < count; i++) {
                int at = offset + i * RECORD_BYTES;
                loaded.counts.put(new IdRange(block.getLong(at), block.getLong(at + 8)), block.getLong(at + 16));
            }
        });
        return loaded;
    }

    /** Counts an entry that joined the tree. */
    void added(ExceptionEntry entry) {
        if (!entry.zeros()) {
            counts.merge(new IdRange(entry.fromId(), entry.toId()), 1L, Long::sum);
            chain.changed();
        }
    }

    /** Uncounts an entry that left the tree (or changed: removed, then added). */
    void removed(ExceptionEntry entry) {
        if (!entry.zeros()) {
            IdRange range = new IdRange(entry.fromId(), entry.toId());
            long left = counts.getOrDefault(range, 0L) - 1;
            if (left < 0) {
                throw new IllegalStateException("range counter of " + range + " would go below zero");
            }
            if (left == 0) {
                counts.remove(range);
            } else {
                counts.put(range, left);
            }
            chain.changed();
        }
    }

    /** Every range holding copied chunks, with how many. */
    Map<IdRange, Long> counts() {
        return new TreeMap<>(counts);
    }

    /** Every chunk of the chain (copies too). */
    List<Long> chunks() {
        return chain.chunks();
    }

    List<BlockRef> blocks() {
        return chain.blocks();
    }

    /** Writes the counters to fresh chunks if they changed; returns the chain head (none when empty). */
    BlockRef writeChanges(SpaceMap space) throws IOException {
        return chain.writeChanges(space, () -> counts.entrySet().stream().map(count -> ByteBuffer
                .allocate(RECORD_BYTES).putLong(count.getKey().from()).putLong(count.getKey().to())
                .putLong(count.getValue()).array()).toList());
    }
}
