package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which chunks of the store are in use: one bit per chunk, held in memory
 * (chunkCount / 8 bytes) and kept on disk as bitmap blocks found through
 * index blocks, both shadow-paged like the tree.
 *
 * Chunks allocated in the open transaction are "fresh": nothing durable
 * refers to them, so they may be rewritten or freed at once. Any other chunk
 * freed in a transaction stays untouchable until the transaction commits;
 * its bit is cleared in the bitmap that the commit writes.
 */
final class SpaceMap {


    private final MetadataIo io;
    private final StoreLayout layout;
    private final int chunkSize;
    private long chunkCount;
    private final int wordsPerBitmap;
    private final int pointersPerIndex;
    private long[] bits;
    private BlockRef[] bitmapLocation;
    private BlockRef[] indexLocation;
    private final BitSet dirtyBitmaps = new BitSet();
    private boolean indexDirty;
    private final Set<Long> fresh = new HashSet<>();
    private final Set<Long> freedThisTransaction = new HashSet<>();
    /** Freed by a transaction whose commit is written but not yet durable: not reusable yet. */
    private final Set<Long> quarantined = new HashSet<>();
    private final List<Long> pendingFrees = new ArrayList<>();
    private long freeCount;
    /** Metadata grows up from here, data down from {@link #dataCursor}: churn of one never scatters the other. */
    private long metaCursor;
    private long dataCursor;
    /** Copies of metadata blocks (format 3) grow up from the middle: half a store away from the originals. */
    private long mirrorCursor;

    private SpaceMap(MetadataIo io, StoreLayout layout, long chunkCount) {
        this.io = io;
        this.layout = layout;
        this.chunkSize = io.chunkSize();
        this.chunkCount = chunkCount;
        this.wordsPerBitmap = (chunkSize - MetaBlock.HEADER) / 8;
        this.pointersPerIndex = (chunkSize - MetaBlock.HEADER) / layout.refBytes();
        this.bits = new long[(int) ((chunkCount + 63) / 64)];
        this.dataCursor = chunkCount - 1;
        this.mirrorCursor = chunkCount / 2;
        int bitmaps = (int) ((chunkCount + bitsPerBitmap() - 1) / bitsPerBitmap());
        this.bitmapLocation = new BlockRef[bitmaps];
        this.indexLocation = new BlockRef[(bitmaps + pointersPerIndex - 1) / pointersPerIndex];
        int maxIndex = CommitBlock.maxIndexChunks(layout.version);
        if (indexLocation.length > maxIndex) {
            throw new IllegalArgumentException(chunkCount + " chunks need " + indexLocation.length
                    + " space map index chunks; at most " + maxIndex + " fit: use larger chunks");
        }
    }

    /** The map's blocks: its bitmaps and their index. */
    int blockCount() {
        return bitmapLocation.length + indexLocation.length;
    }

    long bitsPerBitmap() {
        return (long) wordsPerBitmap * 64;
    }

    /** A new map with the first {@code reserved} chunks in use; its blocks are written by the first commit. */
    static SpaceMap format(MetadataIo io, StoreLayout layout, long chunkCount, long reserved)
            throws StoreException {
        SpaceMap map = new SpaceMap(io, layout, chunkCount);
        map.freeCount = chunkCount;
        for (long chunk = 0; chunk < reserved; chunk++) {
            map.set(chunk);
        }
        for (int i = 0; i < map.bitmapLocation.length; i++) {
            map.bitmapLocation[i] = map.allocateBlock();
        }
        for (int i = 0; i < map.indexLocation.length; i++) {
            map.indexLocation[i] = map.allocateBlock();
        }
        map.dirtyBitmaps.set(0, map.bitmapLocation.length);
        map.indexDirty = true;
        return map;
    }

    static SpaceMap load(MetadataIo io, StoreLayout layout, long chunkCount, BlockRef[] index)
            throws IOException {
        SpaceMap map = new SpaceMap(io, layout, chunkCount);
        if (index.length != map.indexLocation.length) {
            throw new StoreCorruptException("commit block lists " + index.length + " space map index chunks, the"
                    + " geometry needs " + map.indexLocation.length);
        }
        map.indexLocation = index.clone();
        for (int i = 0; i < index.length; i++) {
            ByteBuffer block = map.readBlock(index[i], BlockKind.SPACE_INDEX);
            int count = block.getInt(MetaBlock.COUNT_OFFSET);
            if (count < 0 || count > map.pointersPerIndex
                    || i * map.pointersPerIndex + count > map.bitmapLocation.length) {
                throw new StoreCorruptException("space map index at chunk " + index[i].primary() + " lists " + count
                        + " bitmap blocks");
            }
            for (int p = 0; p < count; p++) {
                map.bitmapLocation[i * map.pointersPerIndex + p] =
                        layout.getRef(block, MetaBlock.HEADER + layout.refBytes() * p);
            }
        }
        for (int b = 0; b < map.bitmapLocation.length; b++) {
            if (map.bitmapLocation[b] == null) {
                throw new StoreCorruptException("space map index lists no block for bitmap " + b);
            }
            ByteBuffer block = map.readBlock(map.bitmapLocation[b], BlockKind.SPACE_BITMAP);
            int first = b * map.wordsPerBitmap;
            for (int w = 0; w < map.wordsPerBitmap && first + w < map.bits.length; w++) {
                map.bits[first + w] = block.getLong(MetaBlock.HEADER + 8 * w);
            }
        }
        long lastWordBits = chunkCount % 64;
        if (lastWordBits != 0) {
            map.bits[map.bits.length - 1] &= (1L << lastWordBits) - 1;
        }
        long used = 0;
        for (long word : map.bits) {
            used += Long.bitCount(word);
        }
        map.freeCount = chunkCount - used;
        return map;
    }

    private ByteBuffer readBlock(BlockRef ref, BlockKind kind) throws IOException {
        for (long chunk : ref.chunks()) {
            if (chunk <= 0 || chunk >= chunkCount) {
                throw new StoreCorruptException(kind.what() + " pointer " + chunk + " is outside the store");
            }
        }
        return io.read(ref, kind);
    }

    long freeChunks() {
        return freeCount;
    }

    boolean isAllocated(long chunk) {
        return (bits[(int) (chunk >>> 6)] & (1L << chunk)) != 0;
    }

    boolean isFresh(long chunk) {
        return fresh.contains(chunk);
    }

    /**
     * A free chunk for metadata, now in use and fresh: the lowest free one
     * (metadata packs at the start of the store, so a sparse store file stays
     * small and hot metadata stays together).
     */
    long allocate() throws StoreFullException {
        for (long chunk = metaCursor; chunk < chunkCount; chunk++) {
            if (isFree(chunk)) {
                metaCursor = chunk + 1;
                return take(chunk);
            }
        }
        throw new StoreFullException(chunkCount);
    }

    /** A free place for a metadata block: one chunk, and one for its copy in a mirrored format. */
    BlockRef allocateBlock() throws StoreFullException {
        long primary = allocate();
        return new BlockRef(primary, layout.mirrored ? allocateMirror() : 0);
    }

    /** A chunk for the copy of a metadata block: from the middle of the store up, else the lowest free one. */
    private long allocateMirror() throws StoreFullException {
        for (long chunk = mirrorCursor; chunk < chunkCount; chunk++) {
            if (isFree(chunk)) {
                mirrorCursor = chunk + 1;
                return take(chunk);
            }
        }
        mirrorCursor = chunkCount;
        return allocate();
    }

    /**
     * The shadow-paging step (docs/FORMAT.md, crash consistency): where a
     * metadata block changed in the open transaction goes. A block written
     * in this transaction already is changed in place; any other moves to a
     * fresh place, and its old chunks are freed at the commit, so the last
     * committed version stays whole until then.
     */
    BlockRef shadow(BlockRef ref) throws StoreFullException {
        if (fresh.contains(ref.primary())) {
            return ref;
        }
        BlockRef moved = allocateBlock();
        freeBlock(ref);
        return moved;
    }

    /** Gives back both chunks of a metadata block (see {@link #free}). */
    void freeBlock(BlockRef ref) {
        for (long chunk : ref.chunks()) {
            free(chunk);
        }
    }

    /** A free chunk for copied data, now in use and fresh: the highest free one. */
    long allocateData() throws StoreFullException {
        for (long chunk = dataCursor; chunk >= 0; chunk--) {
            if (isFree(chunk)) {
                dataCursor = chunk - 1;
                return take(chunk);
            }
        }
        throw new StoreFullException(chunkCount);
    }

    private boolean isFree(long chunk) {
        return !isAllocated(chunk) && !freedThisTransaction.contains(chunk) && !quarantined.contains(chunk);
    }

    private long take(long chunk) {
        set(chunk);
        fresh.add(chunk);
        return chunk;
    }

    /** A chunk became free for reuse: let both searches see it again. */
    private void reusable(long chunk) {
        metaCursor = Math.min(metaCursor, chunk);
        dataCursor = Math.max(dataCursor, chunk);
        if (chunk >= chunkCount / 2) {
            mirrorCursor = Math.min(mirrorCursor, chunk);
        }
    }

    /** Gives a chunk back: at once if fresh, else when the transaction commits. */
    void free(long chunk) {
        if (!isAllocated(chunk) || freedThisTransaction.contains(chunk)) {
            throw new IllegalStateException("chunk " + chunk + " freed twice");
        }
        if (fresh.remove(chunk)) {
            clear(chunk);
            reusable(chunk);
        } else {
            freedThisTransaction.add(chunk);
            pendingFrees.add(chunk);
        }
    }

    /**
     * Writes the bitmap and index blocks the transaction changed to fresh
     * chunks (not flushed) and returns the new index locations for the commit
     * block. Shadowing allocates and frees chunks itself, which may change
     * more bitmap blocks, so it runs until nothing changes.
     */
    BlockRef[] writeChanges() throws IOException {
        boolean changed = true;
        while (changed) {
            changed = applyPendingFrees();
            for (int b = dirtyBitmaps.nextSetBit(0); b >= 0; b = dirtyBitmaps.nextSetBit(b + 1)) {
                BlockRef old = bitmapLocation[b];
                bitmapLocation[b] = shadow(old);
                if (!bitmapLocation[b].equals(old)) {
                    indexDirty = true;
                    changed = true;
                }
            }
            if (indexDirty) {
                for (int i = 0; i < indexLocation.length; i++) {
                    BlockRef old = indexLocation[i];
                    indexLocation[i] = shadow(old);
                    changed |= !indexLocation[i].equals(old);
                }
            }
        }
        ByteBuffer block = ByteBuffer.allocate(chunkSize);
        for (int b = dirtyBitmaps.nextSetBit(0); b >= 0; b = dirtyBitmaps.nextSetBit(b + 1)) {
            block.clear();
            MetaBlock.writeHeader(block, BlockKind.SPACE_BITMAP, 0, wordsPerBitmap, bitmapLocation[b].primary());
            int first = b * wordsPerBitmap;
            for (int w = 0; w < wordsPerBitmap; w++) {
                block.putLong(MetaBlock.HEADER + 8 * w, first + w < bits.length ? bits[first + w] : 0);
            }
            writeBlock(bitmapLocation[b], block);
        }
        if (indexDirty) {
            for (int i = 0; i < indexLocation.length; i++) {
                block.clear();
                Arrays.fill(block.array(), (byte) 0);
                int count = Math.min(pointersPerIndex, bitmapLocation.length - i * pointersPerIndex);
                MetaBlock.writeHeader(block, BlockKind.SPACE_INDEX, 0, count, indexLocation[i].primary());
                for (int p = 0; p < count; p++) {
                    layout.putRef(block, MetaBlock.HEADER + layout.refBytes() * p,
                            bitmapLocation[i * pointersPerIndex + p]);
                }
                writeBlock(indexLocation[i], block);
            }
        }
        return indexLocation.clone();
    }

    /**
     * The transaction's blocks are written and its commit block is about to
     * be: the next transaction starts. What this one wrote is no longer fresh
     * (the pending commit refers to it), and what it freed stays quarantined
     * until {@link #releaseSealed()}.
     */
    void seal() {
        quarantined.addAll(freedThisTransaction);
        fresh.clear();
        freedThisTransaction.clear();
        dirtyBitmaps.clear();
        indexDirty = false;
    }

    /** The sealed transaction's commit is durable: its freed chunks may be reused. */
    void releaseSealed() {
        quarantined.forEach(this::reusable);
        quarantined.clear();
    }

    /** The blocks holding the bitmap, for check and scrub. */
    List<BlockRef> bitmapBlocks() {
        return List.of(bitmapLocation);
    }

    /** The index blocks, for check and scrub. */
    List<BlockRef> indexBlocks() {
        return List.of(indexLocation);
    }

    /** Every chunk holding the space map itself (copies too). */
    List<Long> metadataChunks() {
        List<Long> chunks = new ArrayList<>();
        for (BlockRef ref : bitmapLocation) {
            chunks.addAll(ref.chunks());
        }
        for (BlockRef ref : indexLocation) {
            chunks.addAll(ref.chunks());
        }
        return chunks;
    }

    private boolean applyPendingFrees() {
        boolean any = !pendingFrees.isEmpty();
        for (long chunk : pendingFrees) {
            clear(chunk);
        }
        pendingFrees.clear();
        return any;
    }

    private void writeBlock(BlockRef ref, ByteBuffer block) throws IOException {
        io.write(ref, block);
    }

    /**
     * The store grew to {@code newCount} chunks: the new ones are free, the
     * bitmap blocks that cover them are new (fresh, written by the commit,
     * like any change), and so is the index when it needs more blocks.
     */
    void grow(long newCount) throws StoreFullException {
        int bitmaps = (int) ((newCount + bitsPerBitmap() - 1) / bitsPerBitmap());
        int indexes = (bitmaps + pointersPerIndex - 1) / pointersPerIndex;
        if (newCount <= chunkCount || indexes > CommitBlock.maxIndexChunks(layout.version)) {
            throw new IllegalArgumentException("the space map cannot grow from " + chunkCount + " to " + newCount
                    + " chunks");
        }
        long added = newCount - chunkCount;
        bits = Arrays.copyOf(bits, (int) ((newCount + 63) / 64));
        chunkCount = newCount;
        freeCount += added;
        int oldBitmaps = bitmapLocation.length;
        bitmapLocation = Arrays.copyOf(bitmapLocation, bitmaps);
        dirtyBitmaps.set(oldBitmaps - 1); // its bits past the old end now name chunks
        for (int b = oldBitmaps; b < bitmaps; b++) {
            bitmapLocation[b] = allocateBlock();
            dirtyBitmaps.set(b);
        }
        int oldIndexes = indexLocation.length;
        indexLocation = Arrays.copyOf(indexLocation, indexes);
        for (int i = oldIndexes; i < indexes; i++) {
            indexLocation[i] = allocateBlock();
        }
        indexDirty = true;
        dataCursor = chunkCount - 1;
    }

    /**
     * Marks in use a chunk the map wrongly has free though the commit keeps
     * data in it (repair): not fresh, so no transaction rewrites it in place.
     */
    void claim(long chunk) {
        if (!isAllocated(chunk)) {
            set(chunk);
        }
    }

    private void set(long chunk) {
        bits[(int) (chunk >>> 6)] |= 1L << chunk;
        dirtyBitmaps.set((int) (chunk / bitsPerBitmap()));
        freeCount--;
    }

    private void clear(long chunk) {
        bits[(int) (chunk >>> 6)] &= ~(1L << chunk);
        dirtyBitmaps.set((int) (chunk / bitsPerBitmap()));
        freeCount++;
    }
}
