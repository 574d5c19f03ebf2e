package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/**
 * Reads every copy of every metadata block of a store as the disk holds it
 * (past the page cache) and rewrites a bad copy from its good twin, while
 * the store is in use: in steps, each under the metadata lock for a moment,
 * so I/O goes on between them. The first step takes the superblock, the
 * commit ring, the space map and the snapshot table; every later one walks
 * one root-to-leaf path of the tree from a cursor key, which then moves to
 * the next leaf's separator (so the walk ends even while the tree changes).
 * Blocks with no good copy are reported, and the store notes the damage.
 * Copied data with a checksum (format 3) is read and checked too; it has one
 * copy, so damage there is reported, not mended.
 */
public final class StoreScrub {

    private static final Logger LOG = LoggerFactory.getLogger(StoreScrub.class);

    private final SharedExceptionStore store;
    private boolean fixedDone;
    private boolean done;
    private long cursorChunk;
    private long cursorFrom;
    /** Internal nodes read since the last commit seen: a path shares them with the one before. */
    private final Set<Long> readInternal = new HashSet<>();
    private long sequenceSeen = -1;
    private long blocksRead;
    private long bytesRead;
    private long healed;
    private final List<String> unhealable = new ArrayList<>();
    /** Copies whose data failed its checksum, with what was wrong, in the order found. */
    private final List<DamagedCopy> damagedCopies = new ArrayList<>();
    private long dataChunksRead;

    public StoreScrub(SharedExceptionStore store) {
        this.store = store;
    }

    /**
     * One step; false once the whole store has been read. Metadata is read
     * under the lock; the copied data of the step's leaf after it, so I/O
     * waits for one path of nodes at most.
     */
    public boolean step() throws IOException {
        if (done) {
            return false;
        }
        List<ExceptionEntry> checksummed = store.underLock(() -> {
            if (!fixedDone) {
                scrubFixed();
                fixedDone = true;
                return List.of();
            }
            return scrubPath();
        });
        for (ExceptionEntry entry : checksummed) {
            verifyData(entry);
        }
        return !done;
    }

    /** Copied chunks read and checked against their checksum. */
    public long dataChunksRead() {
        return dataChunksRead;
    }

    private record DamagedCopy(ExceptionEntry entry, String problem) {
    }

    /** The entries whose copied data failed its checksum so far, in the order found. */
    public List<ExceptionEntry> damagedCopies() {
        return damagedCopies.stream().map(DamagedCopy::entry).toList();
    }

    /** Copied chunks whose data failed its checksum: nothing can mend them (they have one copy). */
    public List<String> damagedData() {
        return damagedCopies.stream().map(DamagedCopy::problem).toList();
    }

    private void verifyData(ExceptionEntry entry) throws IOException {
        ByteBuffer data = readPastCache(entry);
        dataChunksRead++;
        bytesRead += data.capacity();
        if (DataChecksum.of(data) == entry.checksum()) {
            return;
        }
        // Read without the lock: the entry may have gone and its chunk been reused meanwhile. Ask again under it.
        store.underLock(() -> {
            if (store.find(entry.originChunk(), entry.fromId()).filter(entry::equals).isPresent()) {
                try {
                    DataChecksum.verify(entry, readPastCache(entry));
                } catch (StoreCorruptException damaged) {
                    damagedCopies.add(new DamagedCopy(entry, damaged.getMessage()));
                    LOG.error("scrub: {}", damaged.getMessage());
                }
            }
            return null;
        });
    }

    private ByteBuffer readPastCache(ExceptionEntry entry) throws IOException {
        int chunkSize = store.chunkSize();
        store.metadataIo().device().dropCache(entry.storeChunk() * chunkSize, chunkSize);
        ByteBuffer data = ByteBuffer.allocate(chunkSize);
        store.readChunk(entry.storeChunk(), 0, data);
        return data;
    }

    public long blocksRead() {
        return blocksRead;
    }

    public long bytesRead() {
        return bytesRead;
    }

    public long healed() {
        return healed;
    }

    public List<String> unhealable() {
        return List.copyOf(unhealable);
    }

    /** The origin chunk the tree walk has reached (for progress). */
    public long originChunkReached() {
        return done ? store.originChunks() : cursorChunk;
    }

    private void scrubFixed() throws IOException {
        scrubSuperblockCopies();
        long before = store.heals();
        store.healCommitRing();
        healed += store.heals() - before;
        for (BlockRef ref : store.state().space().indexBlocks()) {
            scrubBlock(ref, BlockKind.SPACE_INDEX);
        }
        for (BlockRef ref : store.state().space().bitmapBlocks()) {
            scrubBlock(ref, BlockKind.SPACE_BITMAP);
        }
        for (BlockRef ref : store.state().table().blocks()) {
            scrubBlock(ref, BlockKind.SNAPSHOT_TABLE);
        }
        if (store.state().counts() != null) {
            for (BlockRef ref : store.state().counts().blocks()) {
                scrubBlock(ref, BlockKind.RANGE_COUNTS);
            }
        }
        done = store.state().tree().height == 0;
    }

    /** The superblock never changes after format: a bad copy is always rewritten from the good one. */
    private void scrubSuperblockCopies() throws IOException {
        Superblock superblock = store.superblock();
        if (!superblock.layout().mirrored) {
            return;
        }
        BlockDevice device = store.metadataIo().device();
        Superblock.Copy[] copies = new Superblock.Copy[2];
        for (int i = 0; i < 2; i++) {
            device.dropCache(Superblock.Copy.OFFSETS[i], Superblock.SIZE);
            copies[i] = Superblock.Copy.read(device, Superblock.Copy.OFFSETS[i]);
            blocksRead++;
            bytesRead += Superblock.SIZE;
        }
        for (int i = 0; i < 2; i++) {
            if (!copies[i].good() && copies[1 - i].good() && store.mayWrite()) {
                copies[1 - i].writeOver(device, copies[i]);
                store.superblockHealed();
                healed++;
            }
        }
    }

    /** Reads both copies of a block; heals a bad one; returns the good contents, or null when none is left. */
    private ByteBuffer scrubBlock(BlockRef ref, BlockKind kind) throws IOException {
        MetadataIo io = store.metadataIo();
        MetadataIo.Copies copies = io.readEveryCopy(ref, kind);
        blocksRead += ref.chunks().size();
        bytesRead += (long) ref.chunks().size() * io.blockBytes(kind);
        healed += io.heal(copies);
        if (copies.lost()) {
            StoreCorruptException damaged = copies.lostError();
            unhealable.add(damaged.getMessage());
            store.reportDamage(damaged);
        }
        return copies.good();
    }

    /**
     * Reads the path from the root to the leaf holding the cursor key, then
     * moves the cursor past that leaf; returns the leaf's checksummed entries.
     */
    private List<ExceptionEntry> scrubPath() throws IOException {
        if (store.state().sequence() != sequenceSeen) {
            readInternal.clear(); // a commit may have freed and reused any of them
            sequenceSeen = store.state().sequence();
        }
        BTree tree = store.state().tree();
        BlockRef ref = tree.root;
        long[] next = null; // the separator of the next subtree at the deepest level that has one
        List<ExceptionEntry> checksummed = new ArrayList<>();
        for (int level = tree.height - 1; level >= 0; level--) {
            Node node;
            if (store.state().space().isFresh(ref.primary())) {
                node = tree.node(ref); // changed in the open transaction: not on the disk yet
            } else if (level > 0 && readInternal.contains(ref.primary())) {
                node = tree.node(ref);
            } else {
                ByteBuffer good = scrubBlock(ref, BlockKind.NODE);
                if (good == null) {
                    break; // nothing below it can be read: go on after it
                }
                node = Node.decode(good, ref, store.superblock().layout());
                if (level > 0) {
                    readInternal.add(ref.primary());
                }
            }
            if (node.isLeaf()) {
                for (int i = 0; i < node.count; i++) {
                    if (node.checksum[i] != ExceptionEntry.NO_CHECKSUM && !store.state().space().isFresh(node.store[i])) {
                        checksummed.add(node.entry(i));
                    }
                }
                break;
            }
            if (node.count == 0) {
                break;
            }
            int slot = Math.max(node.floor(cursorChunk, cursorFrom), 0);
            if (slot + 1 < node.count) {
                next = new long[] {node.chunk[slot + 1], node.from[slot + 1]};
            }
            ref = node.child(slot);
        }
        if (next == null) {
            done = true;
        } else {
            cursorChunk = next[0];
            cursorFrom = next[1];
        }
        return checksummed;
    }
}
