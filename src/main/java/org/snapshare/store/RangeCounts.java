package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
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

    static final int MAGIC = 0x534e5243; // "SNRC"
    private static final int NEXT_OFFSET = MetaBlock.HEADER;
    private static final int ENTRY_BYTES = 24; // from id, to id, count

    private final MetadataIo io;
    private final StoreLayout layout;
    private final int entriesOffset;
    private final TreeMap<IdRange, Long> counts = new TreeMap<>(
            (a, b) -> a.from() != b.from() ? Long.compare(a.from(), b.from()) : Long.compare(a.to(), b.to()));
    private final List<BlockRef> chain = new ArrayList<>();
    private boolean dirty;

    private RangeCounts(MetadataIo io, StoreLayout layout) {
        this.io = io;
        this.layout = layout;
        this.entriesOffset = NEXT_OFFSET + layout.refBytes();
    }

    static RangeCounts empty(MetadataIo io, StoreLayout layout) {
        return new RangeCounts(io, layout);
    }

    static RangeCounts load(MetadataIo io, StoreLayout layout, BlockRef head, long chunkCount) throws IOException {
        RangeCounts loaded = new RangeCounts(io, layout);
        for (BlockRef location = head; !location.isNone(); ) {
            for (long chunk : location.chunks()) {
                if (chunk <= 0 || chunk >= chunkCount || loaded.chunks().contains(chunk)) {
                    throw new StoreCorruptException("range counter chain points at chunk " + chunk);
                }
            }
            ByteBuffer block = io.read(location, MAGIC, "range counter block");
            loaded.chain.add(location);
            int count = block.getInt(MetaBlock.COUNT_OFFSET);
            if (count < 0 || loaded.entriesOffset + (long) count * ENTRY_BYTES > block.capacity()) {
                throw new StoreCorruptException("range counter block at chunk " + location.primary() + " lists "
                        + count + " ranges");
            }
            for (int i = 0; i < count; i++) {
                int at = loaded.entriesOffset + i * ENTRY_BYTES;
                loaded.counts.put(new IdRange(block.getLong(at), block.getLong(at + 8)), block.getLong(at + 16));
            }
            location = layout.getRef(block, NEXT_OFFSET);
        }
        return loaded;
    }

    /** Counts an entry that joined the tree. */
    void added(ExceptionEntry entry) {
        if (!entry.zeros()) {
            counts.merge(new IdRange(entry.fromId(), entry.toId()), 1L, Long::sum);
            dirty = true;
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
            dirty = true;
        }
    }

    /** Every range holding copied chunks, with how many. */
    Map<IdRange, Long> counts() {
        return new TreeMap<>(counts);
    }

    /** Every chunk of the chain (copies too). */
    List<Long> chunks() {
        List<Long> chunks = new ArrayList<>();
        chain.forEach(ref -> chunks.addAll(ref.chunks()));
        return chunks;
    }

    List<BlockRef> blocks() {
        return List.copyOf(chain);
    }

    /** Writes the counters to fresh chunks if they changed; returns the chain head (none when empty). */
    BlockRef writeChanges(SpaceMap space) throws IOException {
        if (!dirty) {
            return chain.isEmpty() ? BlockRef.NONE : chain.get(0);
        }
        for (BlockRef old : chain) {
            space.freeBlock(old);
        }
        chain.clear();
        int perBlock = (io.chunkSize() - entriesOffset) / ENTRY_BYTES;
        List<Map.Entry<IdRange, Long>> all = new ArrayList<>(counts.entrySet());
        int blocks = (all.size() + perBlock - 1) / perBlock;
        for (int i = 0; i < blocks; i++) {
            chain.add(space.allocateBlock());
        }
        ByteBuffer block = ByteBuffer.allocate(io.chunkSize());
        for (int i = 0; i < blocks; i++) {
            java.util.Arrays.fill(block.array(), (byte) 0);
            int first = i * perBlock;
            int count = Math.min(perBlock, all.size() - first);
            MetaBlock.writeHeader(block, MAGIC, 0, count, chain.get(i).primary());
            layout.putRef(block, NEXT_OFFSET, i + 1 < blocks ? chain.get(i + 1) : BlockRef.NONE);
            for (int j = 0; j < count; j++) {
                int at = entriesOffset + j * ENTRY_BYTES;
                Map.Entry<IdRange, Long> range = all.get(first + j);
                block.putLong(at, range.getKey().from()).putLong(at + 8, range.getKey().to())
                        .putLong(at + 16, range.getValue());
            }
            io.write(chain.get(i), block);
        }
        dirty = false;
        return chain.isEmpty() ? BlockRef.NONE : chain.get(0);
    }
}
