package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How many copied chunks the entries of each id range hold (format 3):
 * kept beside the tree and committed with it, so the space a snapshot owns
 * alone is a sum over a few ranges instead of a walk over every entry.
 * Unmapped ranges (store chunk 0) hold none. On disk a chain of blocks like
 * the snapshot table's (magic `SNRC`); docs/FORMAT.md.
 *
 * <p>The chain lists ranges newest first (by last id, then first id, both
 * descending), and a commit rewrites only the blocks up to the last one whose
 * ranges changed, keeping the rest where it is: what most commits change
 * (copies for the newest snapshots, writes to them) sits in the first block,
 * so a commit's cost does not grow with the number of ranges, which
 * snapshots taken between writes multiply (issue 29). A chain in another
 * order (written by an older build) is rewritten whole at its first change.
 */
final class RangeCounts {

    private static final int RECORD_BYTES = 24; // from id, to id, count
    /** Newest first: the order of the chain. */
    private static final Comparator<IdRange> CHAIN_ORDER = Comparator.comparingLong(IdRange::to)
            .thenComparingLong(IdRange::from).reversed();

    private final BlockChain chain;
    private final int perBlock;
    private final TreeMap<IdRange, Long> counts = new TreeMap<>(CHAIN_ORDER);
    /** The first range of each block of the chain as it is on disk. */
    private final List<IdRange> firstOfBlock = new ArrayList<>();
    /** The last block whose ranges changed since the chain was written or read; -1 when none. */
    private int changedThrough = -1;
    /** The chain on disk is not in {@link #CHAIN_ORDER}: its first change rewrites it whole. */
    private boolean foreignOrder;

    private RangeCounts(MetadataIo io, StoreLayout layout) {
        this.chain = new BlockChain(io, layout, BlockKind.RANGE_COUNTS);
        this.perBlock = (io.chunkSize() - chain.recordsOffset()) / RECORD_BYTES;
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
                loaded.loadRecord(new IdRange(block.getLong(at), block.getLong(at + 8)), block.getLong(at + 16),
                        i == 0);
            }
            if (count == 0) {
                loaded.foreignOrder = true; // an empty block has no first range to find it by
            }
        });
        return loaded;
    }

    private void loadRecord(IdRange range, long count, boolean firstInBlock) {
        if (!counts.isEmpty() && CHAIN_ORDER.compare(counts.lastKey(), range) >= 0) {
            foreignOrder = true;
        }
        counts.put(range, count);
        if (firstInBlock) {
            firstOfBlock.add(range);
        }
    }

    /** Counts an entry that joined the tree. */
    void added(ExceptionEntry entry) {
        if (!entry.zeros()) {
            IdRange range = new IdRange(entry.fromId(), entry.toId());
            counts.merge(range, 1L, Long::sum);
            changedIn(range);
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
            changedIn(range);
        }
    }

    /** Notes the block holding (or to hold) {@code range} as changed: the last whose first range is not after it. */
    private void changedIn(IdRange range) {
        int low = 0;
        int high = firstOfBlock.size() - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (CHAIN_ORDER.compare(firstOfBlock.get(middle), range) <= 0) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        changedThrough = Math.max(changedThrough, low);
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

    int blockCount() {
        return chain.size();
    }

    /**
     * Writes the blocks up to the last changed one to fresh chunks (all of them when the chain is in a foreign
     * order), three quarters full so that the next few new ranges fit without a split; returns the chain head
     * (none when empty).
     */
    BlockRef writeChanges(SpaceMap space) throws IOException {
        if (changedThrough < 0) {
            return chain.head();
        }
        int replaced = foreignOrder ? chain.size() : Math.min(changedThrough + 1, chain.size());
        List<IdRange> keptFirsts = foreignOrder ? List.of()
                : new ArrayList<>(firstOfBlock.subList(replaced, firstOfBlock.size()));
        SortedMap<IdRange, Long> rewritten = keptFirsts.isEmpty() ? counts : counts.headMap(keptFirsts.get(0));
        List<List<byte[]>> blocks = packEvenly(rewritten);
        BlockRef head = chain.replaceFirst(space, replaced, blocks);
        firstOfBlock.clear();
        for (List<byte[]> block : blocks) {
            firstOfBlock.add(decodeRange(block.get(0)));
        }
        firstOfBlock.addAll(keptFirsts);
        changedThrough = -1;
        foreignOrder = false;
        return head;
    }

    private List<List<byte[]>> packEvenly(SortedMap<IdRange, Long> ranges) {
        int target = Math.max(1, perBlock * 3 / 4);
        int blockCount = (ranges.size() + target - 1) / target;
        List<List<byte[]>> blocks = new ArrayList<>();
        int index = 0;
        for (Map.Entry<IdRange, Long> count : ranges.entrySet()) {
            int block = (int) ((long) index * blockCount / ranges.size());
            if (block == blocks.size()) {
                blocks.add(new ArrayList<>());
            }
            blocks.get(block).add(ByteBuffer.allocate(RECORD_BYTES).putLong(count.getKey().from())
                    .putLong(count.getKey().to()).putLong(count.getValue()).array());
            index++;
        }
        return blocks;
    }

    private static IdRange decodeRange(byte[] record) {
        ByteBuffer buffer = ByteBuffer.wrap(record);
        return new IdRange(buffer.getLong(0), buffer.getLong(8));
    }
}
