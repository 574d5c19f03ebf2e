package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/**
 * Reads and writes metadata blocks with their copies: chunk-sized, except
 * B+-tree nodes of format 7, which take the first page of their chunk. A write
 * puts the block in both places (each copy names its own chunk in its
 * header). A read takes the primary; when that fails its checks it takes the
 * copy and, when healing is allowed (this node may write the store), writes
 * the good block back over the bad one and counts a heal.
 */
final class MetadataIo {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataIo.class);

    private final BlockDevice device;
    private final int chunkSize;
    /** Bytes of a B+-tree node block ({@link StoreLayout#nodeBytes}). */
    private final int nodeBytes;
    private final BooleanSupplier mayHeal;
    private final AtomicLong heals;
    /** Reads that had to take the copy while healing was not allowed. */
    private final AtomicLong unhealed;

    /** Blocks written are named in the open transaction (format 5); a fresh one when nobody commits them. */
    private final TransactionWrites transaction;
    /** Every read first drops the chunk from the device's cache: a peek at what another node wrote. */
    private final boolean freshReads;

    MetadataIo(BlockDevice device, int chunkSize, StoreLayout layout, BooleanSupplier mayHeal) {
        this(device, chunkSize, layout, mayHeal, new TransactionWrites());
    }

    MetadataIo(BlockDevice device, int chunkSize, StoreLayout layout, BooleanSupplier mayHeal,
            TransactionWrites transaction) {
        this(device, chunkSize, layout.nodeBytes(chunkSize), mayHeal, new AtomicLong(), new AtomicLong(),
                transaction, false);
    }

    private MetadataIo(BlockDevice device, int chunkSize, int nodeBytes, BooleanSupplier mayHeal, AtomicLong heals,
            AtomicLong unhealed, TransactionWrites transaction, boolean freshReads) {
        this.device = device;
        this.chunkSize = chunkSize;
        this.nodeBytes = nodeBytes;
        this.mayHeal = mayHeal;
        this.heals = heals;
        this.unhealed = unhealed;
        this.transaction = transaction;
        this.freshReads = freshReads;
    }

    /**
     * The same device without healing: for peeks at a store another node may be writing, and for
     * mounting. Its writes belong to the same transaction: the store mounts through this view and its
     * space map, snapshot table and range counters keep writing through it, so a view with a
     * transaction of its own would hide their blocks from the commit that must name them (issue 26).
     */
    MetadataIo withoutHealing() {
        return new MetadataIo(device, chunkSize, nodeBytes, () -> false, heals, unhealed, transaction, false);
    }

    /**
     * A view for a node that does not hold the store: no healing, and each
     * block read from the disk as another node left it (its chunk dropped
     * from the cache first), while the rest of the cache stays.
     */
    MetadataIo peeking() {
        return new MetadataIo(device, chunkSize, nodeBytes, () -> false, heals, unhealed, transaction, true);
    }

    /** Whether a read took a copy without healing the bad one since the last call; resets. */
    boolean takeUnhealed() {
        return unhealed.getAndSet(0) > 0;
    }

    BlockDevice device() {
        return device;
    }

    int chunkSize() {
        return chunkSize;
    }

    /** Bytes of a block of {@code kind}: a tree node may take less than its chunk (format 7). */
    int blockBytes(BlockKind kind) {
        return kind == BlockKind.NODE ? nodeBytes : chunkSize;
    }

    /** Copies healed since the store was mounted. */
    long heals() {
        return heals.get();
    }

    /** One copy, checked: magic, version, self pointer, CRC. */
    ByteBuffer readCopy(long chunk, BlockKind kind) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(blockBytes(kind));
        if (freshReads) {
            device.dropCache(chunk * chunkSize, chunkSize);
        }
        device.read(chunk * chunkSize, block);
        block.clear();
        MetaBlock.verify(block, kind, chunk);
        return block;
    }

    /** Every copy of a block as the disk holds it: a good one (null if none) and what was wrong with the others. */
    record Copies(ByteBuffer good, List<Long> badChunks, List<String> problems) {

        boolean lost() {
            return good == null;
        }

        /** What was wrong with every copy, as one error: the block is lost. */
        StoreCorruptException lostError() {
            return lostBlock(problems);
        }
    }

    /** The error for a block none of whose copies is good, naming what was wrong with each. */
    static StoreCorruptException lostBlock(List<String> problems) {
        return new StoreCorruptException(String.join(", and its copy: ", problems));
    }

    /** Reads every copy of {@code ref} past the page cache (what the disk holds) and checks each. */
    Copies readEveryCopy(BlockRef ref, BlockKind kind) throws IOException {
        ByteBuffer good = null;
        List<Long> bad = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (long chunk : ref.chunks()) {
            device.dropCache(chunk * chunkSize, chunkSize);
            try {
                ByteBuffer copy = readCopy(chunk, kind);
                good = good == null ? copy : good;
            } catch (StoreCorruptException e) {
                bad.add(chunk);
                problems.add(e.getMessage());
            }
        }
        return new Copies(good, List.copyOf(bad), List.copyOf(problems));
    }

    /** Rewrites each bad copy from the good one, when allowed; how many it rewrote. */
    int heal(Copies copies) throws IOException {
        int healed = 0;
        for (int i = 0; i < copies.badChunks().size() && !copies.lost(); i++) {
            if (rewrite(copies.badChunks().get(i), copies.good(), copies.problems().get(i))) {
                healed++;
            }
        }
        return healed;
    }

    /** The block, from whichever copy is good; heals a bad primary when allowed. */
    ByteBuffer read(BlockRef ref, BlockKind kind) throws IOException {
        try {
            return readCopy(ref.primary(), kind);
        } catch (StoreCorruptException primaryBad) {
            if (!ref.mirrored()) {
                throw primaryBad;
            }
            ByteBuffer good;
            try {
                good = readCopy(ref.mirror(), kind);
            } catch (StoreCorruptException mirrorBad) {
                throw lostBlock(List.of(primaryBad.getMessage(), mirrorBad.getMessage()));
            }
            rewrite(ref.primary(), good, primaryBad.getMessage());
            return good.putLong(MetaBlock.SELF_OFFSET, ref.primary());
        }
    }

    /**
     * Writes {@code good} (a verified copy) over the bad copy at {@code chunk},
     * when this node may write the store; true when it did.
     */
    boolean rewrite(long chunk, ByteBuffer good, String why) throws IOException {
        if (!mayHeal.getAsBoolean()) {
            unhealed.incrementAndGet();
            return false;
        }
        ByteBuffer healed = ByteBuffer.allocate(good.capacity()).put(good.duplicate().clear()).clear();
        healed.putLong(MetaBlock.SELF_OFFSET, chunk);
        MetaBlock.seal(healed);
        device.write(chunk * chunkSize, healed.clear());
        heals.incrementAndGet();
        LOG.warn("healed metadata chunk {} from its copy ({})", chunk, why);
        return true;
    }

    /**
     * Writes a block whose header names {@code ref.primary()} to both places
     * (not flushed), at the start of their chunks: the copy gets its own chunk
     * number and checksum.
     */
    void write(BlockRef ref, ByteBuffer block) throws IOException {
        block.putLong(MetaBlock.SELF_OFFSET, ref.primary());
        MetaBlock.seal(block);
        device.write(ref.primary() * chunkSize, block.clear());
        transaction.name(ref.primary(), block, block.capacity() == chunkSize);
        if (ref.mirrored()) {
            block.putLong(MetaBlock.SELF_OFFSET, ref.mirror());
            MetaBlock.seal(block);
            device.write(ref.mirror() * chunkSize, block.clear());
            transaction.name(ref.mirror(), block, block.capacity() == chunkSize);
            block.putLong(MetaBlock.SELF_OFFSET, ref.primary());
            MetaBlock.seal(block);
        }
        block.clear();
    }
}
