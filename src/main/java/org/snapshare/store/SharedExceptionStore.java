package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;
import org.snapshare.util.IoWork;

/**
 * The shared exception store on one device (docs/STORE.md, docs/FORMAT.md):
 * a COW B+-tree of range entries, a shadow-paged space map, a snapshot table
 * and a ring of commit blocks, every metadata block in two copies (format 3).
 * This class keeps the store's contract; the layers under it (docs/STORE.md,
 * "Layers") are the {@link TransactionManager} (lock, commits), the
 * {@link StoreState} it writes out (with {@link CopyFreeChunks}), the
 * {@link Tenure} (fencing), the {@link StoreCapacity} (allocation, growth),
 * {@link DataChunks} (data I/O) and the {@link DamageRecord}.
 */
public final class SharedExceptionStore implements ExceptionStore {

    private static final Logger LOG = LoggerFactory.getLogger(SharedExceptionStore.class);

    /** Default node cache: 64 MiB of nodes. */
    public static final long DEFAULT_CACHE_BYTES = 64L << 20;

    private final BlockDevice device;
    private final Superblock superblock;
    private final Tenure tenure;
    private final DamageRecord damage;
    private final TransactionManager transactions;
    private final MetadataIo io;
    private final StoreState state;
    private final StoreCapacity capacity;
    private final TreeRoom room;
    private final EntryChanges entries;
    private final FullStoreResponse fullResponse;
    private final DataChunks chunks;
    /** Superblock copies healed since the store was opened. */
    private volatile long superblockHeals;
    private final NodeCacheBudget cacheBudget;
    /** Whether this store's cache still counts in {@link #cacheBudget} (until the first close). */
    private final AtomicBoolean sharingCacheBudget = new AtomicBoolean();

    private SharedExceptionStore(BlockDevice device, Superblock superblock, long superblockHeals,
            NodeCacheBudget cacheBudget, StoreFullPolicy fullPolicy, DamagedMetadataPolicy damagePolicy)
            throws IOException {
        this.device = device;
        this.superblock = superblock;
        this.superblockHeals = superblockHeals;
        this.tenure = new Tenure(device, superblock);
        this.damage = new DamageRecord(device, damagePolicy);
        this.cacheBudget = cacheBudget;
        this.transactions = new TransactionManager(device, superblock, tenure, damage, cacheBudget);
        this.io = transactions.io();
        this.state = transactions.state();
        this.room = new TreeRoom(state, superblock.layout());
        this.capacity = new StoreCapacity(device, superblock, state, room);
        this.fullResponse = new FullStoreResponse(device, superblock, state, capacity, fullPolicy);
        this.entries = new EntryChanges(superblock, state, room, fullResponse);
        this.chunks = new DataChunks(device, superblock.chunkSize(), state, tenure, transactions);
        if (state.chunkCount() * superblock.chunkSize() > device.size()) {
            throw new StoreCorruptException("store device is " + device.size() + " bytes, smaller than the "
                    + state.chunkCount() + " chunks its newest commit says it has");
        }
        cacheBudget.join();
        sharingCacheBudget.set(true);
    }

    /** Writes an empty store of the current format over {@code device} for an origin of {@code originBytes}. */
    public static void format(BlockDevice device, int chunkSize, long originBytes) throws IOException {
        StoreMount.format(device, chunkSize, originBytes, Superblock.VERSION);
    }

    /** Writes an empty store of format {@code version} (older ones: to test that they still work). */
    static void format(BlockDevice device, int chunkSize, long originBytes, int version) throws IOException {
        StoreMount.format(device, chunkSize, originBytes, version);
    }

    /** Mounts the store with the default store-full policy (invalidate snapshots). */
    public static SharedExceptionStore open(BlockDevice device, long cacheBytes) throws IOException {
        return open(device, cacheBytes, StoreFullPolicy.INVALIDATE_SNAPSHOTS);
    }

    /** Mounts the store: the newest valid commit block wins; damaged metadata invalidates snapshots. */
    public static SharedExceptionStore open(BlockDevice device, long cacheBytes, StoreFullPolicy fullPolicy)
            throws IOException {
        return open(device, new NodeCacheBudget(cacheBytes), fullPolicy, DamagedMetadataPolicy.INVALIDATE_SNAPSHOTS);
    }

    /** Mounts the store: the newest valid commit block wins; its node cache takes a share of {@code cacheBudget}. */
    public static SharedExceptionStore open(BlockDevice device, NodeCacheBudget cacheBudget,
            StoreFullPolicy fullPolicy, DamagedMetadataPolicy damagePolicy) throws IOException {
        long[] superblockHeals = {0};
        Superblock superblock = Superblock.read(device, () -> superblockHeals[0]++);
        if (superblock.chunkCount * superblock.chunkSize() > device.size()) {
            throw new StoreCorruptException("store device is " + device.size() + " bytes, smaller than the "
                    + superblock.chunkCount + " chunks it was formatted with");
        }
        return new SharedExceptionStore(device, superblock, superblockHeals[0], cacheBudget, fullPolicy,
                damagePolicy);
    }

    /**
     * Reads the root of the B+-tree, so a server knows (and logs) damage there
     * from the start rather than at the first write after a snapshot.
     */
    public void probeTreeRoot() {
        try {
            transactions.locked(() -> {
                state.tree().scan(0, 0, entry -> false);
                return null;
            });
        } catch (IOException damaged) {
            // recorded (and logged) by locked(); the store still serves what it can
        }
    }

    /**
     * Starts a tenure of the cluster lock. When another node may have held it
     * since this node last did, every cached byte of metadata is dropped and
     * the store is mounted again from the newest commit on disk (a failed or
     * fenced store recovers the same way). From here on commits carry the
     * grant's generation and stop as soon as it is no longer valid.
     */
    @Override
    public void takeOver(ClusterLock.Grant grant) throws IOException {
        if (grant.generation() != 0 && !superblock.layout().lockGenerations) {
            throw new StoreException("this store has format version " + superblock.version + ", which has no"
                    + " room for the cluster lock generation; only a single node can serve it ("
                    + Remedy.SERVE_ON_ONE_NODE.advice() + ")");
        }
        transactions.takeOver(grant);
    }

    @Override
    public StoreScrub newScrub() {
        return new StoreScrub(this);
    }

    @Override
    public long cutOffCommits() {
        return transactions.cutOffCommits();
    }

    /** Metadata copies healed since the store was opened: blocks, commit blocks and the superblock. */
    @Override
    public long heals() {
        return io.heals() + transactions.commitHeals() + superblockHeals;
    }

    @Override
    public CommitStats commitStats() {
        return transactions.commitStats();
    }

    @Override
    public Optional<String> damage() {
        return damage.current();
    }

    @Override
    public int chunkSize() {
        return superblock.chunkSize();
    }

    @Override
    public long originChunks() {
        return state.originChunks();
    }

    @Override
    public long chunkCount() {
        return state.chunkCount();
    }

    // ---- for check, scrub and repair, which read the layers below

    Superblock superblock() {
        return superblock;
    }

    /** The metadata reader, for check and scrub. */
    MetadataIo metadataIo() {
        return io;
    }

    /** A tree node straight from the device, past the cache, from a good copy (repair and scrub walk with it). */
    Node readNodeUncached(BlockRef ref) throws IOException {
        return Node.decode(io.read(ref, BlockKind.NODE), ref, superblock.layout());
    }

    /** Runs {@code action} under the metadata lock, for {@link StoreScrub}: nothing changes meanwhile. */
    <T> T underLock(IoWork<T> action) throws IOException {
        return transactions.locked(action);
    }

    /**
     * For {@link StoreRepair}: runs {@code work} on the metadata under the
     * lock as a change the next commit carries; the damage noted since the
     * mount is then taken as mended.
     */
    <T> T repairing(IoWork<T> work) throws IOException {
        T result = transactions.changing(work);
        damage.repaired();
        return result;
    }

    /** The metadata the open transaction holds: for check and scrub (under {@link #underLock}) and repair. */
    StoreState state() {
        return state;
    }

    /** Notes damage a scrub found (status shows the volume as damaged). */
    void reportDamage(StoreCorruptException damaged) {
        damage.note(damaged);
    }

    /** A scrub rewrote a superblock copy. */
    void superblockHealed() {
        superblockHeals++;
    }

    /** Whether this node may write the store's metadata now (it holds a valid tenure). */
    boolean mayWrite() {
        return tenure.mayWrite();
    }

    /** Heals a lone copy of the newest commit block, when this node holds the store. */
    void healCommitRing() throws IOException {
        transactions.healRing();
    }

    StoreCapacity.GrowthStats growthStats() {
        return capacity.growthStats();
    }

    // ---- space

    /**
     * Lets the store grow as {@code policy} allows when its free chunks run
     * low (format 3 on a device that can grow; docs/STORE.md, "Growth").
     */
    public void growWith(StoreGrowth policy) {
        transactions.reading(() -> {
            capacity.growWith(policy);
            return null;
        });
    }

    /**
     * Adopts the size its device has now (a raw device extended with
     * lvextend, say): the new chunks join the space map in the open
     * transaction; the caller commits. Returns the bytes added.
     */
    @Override
    public long adoptDeviceSize() throws IOException {
        return transactions.changing(capacity::adoptDeviceSize);
    }

    @Override
    public long freeChunks() {
        return transactions.reading(() -> state.space().freeChunks());
    }

    @Override
    public StoreSpace spaceUse() {
        return transactions.reading(capacity::spaceUse);
    }

    @Override
    public long allocateChunk() throws IOException {
        return transactions.changing(capacity::allocateData);
    }

    @Override
    public Optional<Long> allocateCopy(IdRange ids) throws IOException {
        return transactions.changing(() -> {
            try {
                return Optional.of(capacity.allocateData());
            } catch (StoreFullException full) {
                fullResponse.copyRefused(ids, full);
                return Optional.empty();
            }
        });
    }

    @Override
    public boolean addCopy(ExceptionEntry copy) throws IOException {
        return transactions.changing(() -> entries.insertCopy(copy));
    }

    @Override
    public void freeChunk(long storeChunk) throws IOException {
        transactions.changing(() -> {
            state.space().free(storeChunk);
            return null;
        });
    }

    // ---- snapshots

    @Override
    public SnapshotInfo createSnapshot(String name, long sizeBytes, UUID identity, Instant created, long parentId)
            throws IOException {
        return changingTable(() -> state.table().add(name, created, sizeBytes, identity, parentId));
    }

    @Override
    public boolean keepsSnapshotIdentities() {
        return superblock.layout().snapshotIdentities;
    }

    @Override
    public void resizeOrigin(long chunks) throws IOException {
        transactions.changing(() -> {
            if (!superblock.layout().sizesInCommits) {
                throw new StoreException("this volume's store has format version " + superblock.version + ", which"
                        + " records the origin's size once, at format: only volumes made in format 3 or later"
                        + " (every volume created now) can be resized");
            }
            if (chunks < state.originChunks()) {
                throw new StoreException("the origin cannot shrink from " + state.originChunks() + " to " + chunks
                        + " chunks");
            }
            state.originResized(chunks);
            return null;
        });
    }

    @Override
    public List<SnapshotInfo> snapshots() {
        return transactions.reading(() -> state.table().all());
    }

    @Override
    public LiveIds liveIds() {
        return transactions.reading(() -> state.table().liveIds());
    }

    @Override
    public SnapshotTree tree() {
        return transactions.reading(() -> state.table().tree());
    }

    /** Reads only the commit ring and the table's blocks afresh (see {@link StoreMount#peekSnapshots}). */
    @Override
    public List<SnapshotInfo> snapshotsOnDisk() throws IOException {
        return StoreMount.peekSnapshots(io.peeking(), superblock);
    }

    @Override
    public Optional<SnapshotInfo> snapshot(String name) {
        return transactions.reading(() -> state.table().byName(name));
    }

    @Override
    public Optional<SnapshotInfo> snapshot(long id) {
        return transactions.reading(() -> state.table().byId(id));
    }

    @Override
    public void setSnapshotState(long id, SnapshotState snapshotState) throws IOException {
        changingTable(() -> {
            state.table().setState(id, snapshotState);
            return null;
        });
    }

    @Override
    public void renameSnapshot(long id, String name) throws IOException {
        changingTable(() -> {
            state.table().rename(id, name);
            return null;
        });
    }

    @Override
    public void forgetSnapshot(long id) throws IOException {
        changingTable(() -> {
            state.table().remove(id);
            return null;
        });
    }

    /** A change of the snapshot table: no chunk is known copy-free any more (a new snapshot lacks every copy). */
    private <T> T changingTable(IoWork<T> change) throws IOException {
        return transactions.changing(() -> {
            T result = change.run();
            state.copyFree().forgetAll();
            return result;
        });
    }

    /** Under the lock: marks every live snapshot INVALID (a change the next commit carries), logging why. */
    List<String> invalidateLive(String why) throws StoreException {
        List<String> invalidated = state.invalidateLive(IdRange.EVERY);
        transactions.changed();
        LOG.error("exception store on {}: snapshots {} are now invalid: {}", device, SnapshotTable.fewOf(invalidated),
                why);
        return invalidated;
    }

    // ---- entries

    @Override
    public Optional<ExceptionEntry> find(long originChunk, long snapshotId) throws IOException {
        return transactions.locked(() -> Optional.ofNullable(state.tree().find(originChunk, snapshotId)));
    }

    /**
     * The live snapshot ids lacking a copy of the chunk. Most origin writes
     * find none: the answer is then remembered and given again without the
     * lock until a change can make a copy lacking (see {@link CopyFreeChunks}).
     */
    @Override
    public List<IdRange> rangesLackingCopy(long originChunk) throws IOException {
        if (!tenure.lost() && state.copyFree().known(originChunk)) { // a fenced node gets the lock's refusal
            return List.of();
        }
        return transactions.locked(() -> {
            SnapshotTree tree = state.table().tree();
            if (tree.kept().isEmpty()) {
                state.copyFree().remember(originChunk); // no snapshot to copy for: skip the tree
                return List.of();
            }
            List<ExceptionEntry> entries;
            try {
                entries = entries(originChunk);
            } catch (StoreCorruptException damaged) {
                if (damage.policy() == DamagedMetadataPolicy.FAIL_WRITES) {
                    throw damaged;
                }
                // Which snapshots share the chunk is unreadable: none may be served a wrong one.
                invalidateLive("the metadata saying which of them share origin chunk " + originChunk
                        + " is damaged");
                return List.of();
            }
            List<IdRange> lacking = tree.readingOrigin(entries);
            if (lacking.isEmpty()) {
                state.copyFree().remember(originChunk);
            }
            return lacking;
        });
    }

    /** Answers of {@link #rangesLackingCopy} given without the lock since the open. */
    long lockFreeAnswers() {
        return state.copyFree().answered();
    }

    @Override
    public void scan(long originChunk, long fromId, Predicate<ExceptionEntry> visitor) throws IOException {
        transactions.locked(() -> {
            state.tree().scan(originChunk, fromId, visitor);
            return null;
        });
    }

    @Override
    public void addEntry(ExceptionEntry entry) throws IOException {
        transactions.changing(() -> {
            entries.insert(entry);
            return null;
        });
    }

    @Override
    public void updateEntry(ExceptionEntry entry) throws IOException {
        transactions.changing(() -> {
            entries.update(entry);
            return null;
        });
    }

    @Override
    public void removeEntry(long originChunk, long fromId) throws IOException {
        transactions.changing(() -> {
            entries.remove(originChunk, fromId);
            return null;
        });
    }

    @Override
    public boolean holdsUnmappedRanges() {
        return superblock.layout().unmappedRanges;
    }

    @Override
    public Optional<Map<IdRange, Long>> copiedChunksByRange() {
        return state.counts() == null ? Optional.empty()
                : Optional.of(transactions.reading(() -> state.counts().counts()));
    }

    @Override
    public DeleteCursor deleteCursor() {
        return transactions.reading(state::deleteCursor);
    }

    @Override
    public void setDeleteCursor(long originChunk, long fromId) {
        transactions.reading(() -> {
            state.moveDeleteCursor(originChunk, fromId);
            transactions.changed();
            return null;
        });
    }

    // ---- data chunks

    @Override
    public void readChunk(long storeChunk, int offset, ByteBuffer dst) throws IOException {
        chunks.read(storeChunk, offset, dst);
    }

    @Override
    public void writeChunk(long storeChunk, int offset, ByteBuffer src) throws IOException {
        chunks.write(storeChunk, offset, src);
    }

    @Override
    public void writeCopies(long firstStoreChunk, ByteBuffer wholeChunks, long[] checksums) throws IOException {
        chunks.writeCopies(firstStoreChunk, wholeChunks, checksums);
    }

    // ---- durability

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public <T> T atomically(IoWork<T> work) throws IOException {
        return transactions.atomically(work);
    }

    @Override
    public <T> T withTreeRoom(int changes, IoWork<T> work) throws IOException {
        TreeRoom.Promise promise = transactions.locked(() -> room.promise(changes));
        try {
            return work.run();
        } finally {
            transactions.reading(() -> {
                room.release(promise);
                return null;
            });
        }
    }

    @Override
    public void commit() throws IOException {
        transactions.commit();
    }

    /**
     * Follows a one-flush commit that nothing followed with an empty commit,
     * so mount never takes a later bad block in it for a crash.
     */
    void confirm() throws IOException {
        transactions.confirm();
    }

    /** Commits what is pending and closes the device. */
    @Override
    public void close() throws IOException {
        try {
            transactions.commitUnlessFailed();
        } finally {
            if (sharingCacheBudget.getAndSet(false)) {
                cacheBudget.leave();
            }
            device.close();
        }
    }
}
