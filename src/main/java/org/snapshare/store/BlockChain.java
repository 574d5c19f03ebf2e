package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * A chain of metadata blocks of one kind holding packed records (the
 * snapshot table, the range counters): offset 24 names the next block
 * (0 = last), the records follow the reference, the header counts them.
 * Rewritten to fresh chunks when what it holds changed: whole, or only its
 * first blocks when the rest did not change (the range counters).
 */
final class BlockChain {

    private static final int NEXT_OFFSET = MetaBlock.HEADER;

    /** Reads the records of one block: {@code count} of them from {@code offset}. */
    @FunctionalInterface
    interface BlockReader {
        void read(ByteBuffer block, int count, int offset, BlockRef where) throws IOException;
    }

    private final MetadataIo io;
    private final StoreLayout layout;
    private final BlockKind kind;
    private final List<BlockRef> chain = new ArrayList<>();
    /** What the chain holds changed since it was written or read. */
    private boolean changed;

    BlockChain(MetadataIo io, StoreLayout layout, BlockKind kind) {
        this.io = io;
        this.layout = layout;
        this.kind = kind;
    }

    /** Where records start in a block. */
    int recordsOffset() {
        return NEXT_OFFSET + layout.refBytes();
    }

    /** Follows the chain from {@code head}, handing each block to {@code reader}. */
    void load(BlockRef head, long chunkCount, BlockReader reader) throws IOException {
        for (BlockRef location = head; !location.isNone(); ) {
            for (long chunk : location.chunks()) {
                if (chunk <= 0 || chunk >= chunkCount || chunks().contains(chunk)) {
                    throw new StoreCorruptException(kind.what() + " chain points at chunk " + chunk);
                }
            }
            ByteBuffer block = io.read(location, kind);
            chain.add(location);
            int count = block.getInt(MetaBlock.COUNT_OFFSET);
            if (count < 0) {
                throw new StoreCorruptException(kind.what() + " at chunk " + location.primary() + " counts " + count);
            }
            reader.read(block, count, recordsOffset(), location);
            location = layout.getRef(block, NEXT_OFFSET);
        }
    }

    /** What the chain holds changed: the next {@link #writeChanges} rewrites it. */
    void changed() {
        changed = true;
    }

    /** Rewrites the chain with {@code records}, packed, if it changed; returns its head (none when empty). */
    BlockRef writeChanges(SpaceMap space, Supplier<List<byte[]>> records) throws IOException {
        if (!changed) {
            return head();
        }
        changed = false;
        List<List<byte[]>> blocks = new ArrayList<>();
        int used = io.chunkSize();
        for (byte[] record : records.get()) {
            if (used + record.length > io.chunkSize()) {
                blocks.add(new ArrayList<>());
                used = recordsOffset();
            }
            blocks.get(blocks.size() - 1).add(record);
            used += record.length;
        }
        return replaceFirst(space, chain.size(), blocks);
    }

    /**
     * Replaces the first {@code replaced} blocks with {@code blocks} (each a list of records that fits one),
     * written to fresh chunks; the rest of the chain stays where it is, and the last new block names the first
     * kept one. The replaced blocks are freed (reusable after the commit). Returns the new head.
     */
    BlockRef replaceFirst(SpaceMap space, int replaced, List<List<byte[]>> blocks) throws IOException {
        for (BlockRef old : chain.subList(0, replaced)) {
            space.freeBlock(old);
        }
        List<BlockRef> kept = new ArrayList<>(chain.subList(replaced, chain.size()));
        chain.clear();
        for (int i = 0; i < blocks.size(); i++) {
            chain.add(space.allocateBlock());
        }
        chain.addAll(kept);
        ByteBuffer block = ByteBuffer.allocate(io.chunkSize());
        for (int i = 0; i < blocks.size(); i++) {
            Arrays.fill(block.array(), (byte) 0);
            MetaBlock.writeHeader(block, kind, 0, blocks.get(i).size(), chain.get(i).primary());
            layout.putRef(block, NEXT_OFFSET, i + 1 < chain.size() ? chain.get(i + 1) : BlockRef.NONE);
            int at = recordsOffset();
            for (byte[] record : blocks.get(i)) {
                block.put(at, record);
                at += record.length;
            }
            io.write(chain.get(i), block);
        }
        return head();
    }

    /** How many blocks the chain has. */
    int size() {
        return chain.size();
    }

    BlockRef head() {
        return chain.isEmpty() ? BlockRef.NONE : chain.get(0);
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
}
