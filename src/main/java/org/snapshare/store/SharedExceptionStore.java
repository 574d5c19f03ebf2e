package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/**
 * The shared exception store on one device (docs/STORE.md, docs/FORMAT.md):
 * a COW B+-tree of range entries, a shadow-paged space map, a snapshot table
 * and a ring of commit blocks, every metadata block in two copies (format 3).
 * One lock guards the metadata. A commit writes its blocks under it, then
 * flushes and writes the commit block without it, so writers that change
 * the next transaction meanwhile share the following commit (group commit).
 */
public final class SharedExceptionStore implements ExceptionStore {

    private static final Logger LOG = LoggerFactory.getLogger(SharedExceptionStore.class);

    private static final int MOUNT_ATTEMPTS = 5;
    /** The least a store grows by: 64 MiB at 64 KiB chunks. */
    private static final long MIN_GROWTH_CHUNKS = 1024;

    /** Default node cache: 64 MiB of nodes. */
    public static final long DEFAULT_CACHE_BYTES = 64L << 20;

    private final BlockDevice device;
    private final Superblock superblock;
    private final MetadataIo io;
    /** What the open transaction wrote, for a commit block that names it (format 5). */
    private final TransactionWrites transaction = new TransactionWrites();
    /** Superblock copies healed since the store was opened. */
    private volatile long superblockHeals;
    // Replaced as a whole when another node changed the store (remount): see takeOver.
    private SpaceMap space;
    private final NodeCache nodes;
    private BTree tree;
    private SnapshotTable table;
    /** Copied chunks per id range (format 3; null before): see {@link RangeCounts}. */
    private RangeCounts counts;
    private final StoreFullPolicy fullPolicy;
    private final DamagedMetadataPolicy damagePolicy;
    /** The first metadata damage met since the mount, or null; see {@link #damage()}. */
    private volatile String damage;
    /** The store's size in chunks and the origin's, as of the last commit or since (the store grows). */
    private volatile long chunkCount;
    private volatile long originChunks;
    private StoreGrowth growth = StoreGrowth.FIXED;
    /** The limit growth last ran into, so it is logged once. */
    private long growthStoppedAt;
    /** The space warning level last logged (0, 80, 90). */
    private int warnedLevel;
    /** Times the store grew by itself, and the time the growing took (device and space map), for benchmarks. */
    private volatile long growths;
    private volatile long growthNanos;
    private final ReentrantLock lock = new ReentrantLock();
    /** Shared by {@link #atomically} work, exclusive while a commit writes its blocks. */
    private final ReentrantReadWriteLock operations = new ReentrantReadWriteLock();
    private final Condition commitDone = lock.newCondition();
    private long sequence;
    private long deleteCursorChunk;
    private long deleteCursorId;
    /** Bumped by every change; a commit makes everything up to its value durable. */
    private long changeCount;
    private long durableChangeCount;
    private boolean committing;
    private IOException failure;
    /**
     * Format 5: the newest commit went out under one flush and no commit has
     * followed it yet. Until one does, a mount cannot tell a later bad block
     * in it from a crash before its flush, so an empty commit follows soon.
     */
    private boolean unconfirmed;
    /** A newer commit than the one mounted, found cut off by a crash at mount (format 5), or -1. */
    private long tornSequence = -1;
    /** Mounts (the first, or a takeover's) that found the newest commit cut off and stood at the one before. */
    private volatile long cutOffCommits;
    /** Runs the empty commits that confirm one-flush commits when no other commit follows them. */
    private static final ScheduledExecutorService CONFIRMER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "store-confirm");
        thread.setDaemon(true);
        return thread;
    });
    /** How long a one-flush commit waits for a successor before an empty commit confirms it. */
    static final long CONFIRM_DELAY_MILLIS = 50;
    private volatile long commits;
    private volatile long commitHeals;
    private volatile long commitNanos;
    /** The cluster lock tenure commits run under; null for a store nobody else can open (no lock). */
    // Volatile: metadata reads (which heal only under a valid grant) also run outside the lock.
    private volatile ClusterLock.Grant grant;

    private SharedExceptionStore(BlockDevice device, Superblock superblock, long superblockHeals, long cacheBytes,
            StoreFullPolicy fullPolicy, DamagedMetadataPolicy damagePolicy) throws IOException {
        this.device = device;
        this.fullPolicy = fullPolicy;
        this.damagePolicy = damagePolicy;
        this.superblock = superblock;
        this.superblockHeals = superblockHeals;
        // A bad copy is rewritten only under a valid tenure: any other time its chunk may be another node's now.
        this.io = new MetadataIo(device, superblock.chunkSize(), this::mayWrite, transaction);
        this.nodes = new NodeCache(io, superblock.layout(), (int) Math.max(16, cacheBytes / superblock.chunkSize()));
        adopt(mount(io.withoutHealing(), superblock));
        if (chunkCount * superblock.chunkSize() > device.size()) {
            throw new StoreCorruptException("store device is " + device.size() + " bytes, smaller than the "
                    + chunkCount + " chunks its newest commit says it has");
        }
    }

    /** Chunks data may not take, so a commit can always shadow its metadata (two chunks a block in format 3). */
    private long metadataReserve() {
        return superblock.layout().mirrored ? Math.max(64, chunkCount / 128) : Math.max(32, chunkCount / 256);
    }

    /** The newest commit on disk and the space map, snapshot table and range counters it points at. */
    private record Mount(CommitRing.Newest newest, SpaceMap space, SnapshotTable table, RangeCounts counts) {

        static Mount read(MetadataIo io, Superblock superblock) throws IOException {
            CommitRing.Newest newest = CommitRing.read(io.device(), superblock, true);
            if (newest.tornSequence() >= 0) {
                LOG.warn("exception store on {}: commit {} was cut off by a crash before all of its blocks reached"
                        + " the disk; the store stands at commit {}, as it did before it", io.device(),
                        newest.tornSequence(), newest.commit().sequence);
            }
            CommitBlock commit = newest.commit();
            SpaceMap space = SpaceMap.load(io, superblock.layout(), commit.chunkCount(superblock),
                    commit.spaceIndex);
            SnapshotTable table = SnapshotTable.load(io, superblock, commit.snapshotTable,
                    commit.nextSnapshotId, commit.chunkCount(superblock));
            RangeCounts counts = superblock.layout().rangeCounters ? RangeCounts.load(io, superblock.layout(),
                    commit.rangeCounts, commit.chunkCount(superblock)) : null;
            return new Mount(newest, space, table, counts);
        }
    }

    private void adopt(Mount mount) {
        CommitBlock commit = mount.newest().commit();
        this.tornSequence = mount.newest().tornSequence();
        if (tornSequence >= 0) {
            cutOffCommits++;
        }
        this.chunkCount = commit.chunkCount(superblock);
        this.originChunks = commit.originChunks(superblock);
        this.space = mount.space();
        this.table = mount.table();
        this.counts = mount.counts();
        this.tree = new BTree(nodes, space, superblock.layout(), superblock.chunkSize(), commit.treeRoot,
                commit.treeHeight);
        this.sequence = commit.sequence;
        this.deleteCursorChunk = commit.deleteCursorChunk;
        this.deleteCursorId = commit.deleteCursorId;
    }

    /** Writes an empty store of the current format over {@code device} for an origin of {@code originBytes}. */
    public static void format(BlockDevice device, int chunkSize, long originBytes) throws IOException {
        format(device, chunkSize, originBytes, Superblock.VERSION);
    }

    /** Writes an empty store of format {@code version} (older ones: to test that they still work). */
    static void format(BlockDevice device, int chunkSize, long originBytes, int version) throws IOException {
        int shift = Integer.numberOfTrailingZeros(chunkSize);
        if (Integer.bitCount(chunkSize) != 1 || shift < Superblock.MIN_CHUNK_SHIFT
                || shift > Superblock.MAX_CHUNK_SHIFT) {
            throw new StoreException("chunk size " + chunkSize + " must be a power of two from 4 KiB to 1 MiB");
        }
        long chunkCount = device.size() / chunkSize;
        StoreLayout layout = StoreLayout.of(version);
        long reserved = layout.reservedChunks(chunkSize);
        if (chunkCount < reserved + 16) {
            throw new StoreException("store device of " + device.size() + " bytes is too small for " + chunkSize
                    + "-byte chunks");
        }
        Superblock superblock = new Superblock(version, shift, chunkCount, (originBytes + chunkSize - 1) / chunkSize,
                new SecureRandom().nextLong());
        MetadataIo io = new MetadataIo(device, chunkSize, () -> false);
        SpaceMap space = SpaceMap.format(io, layout, chunkCount, reserved);
        superblock.write(device);
        CommitRing.clear(device, superblock);
        CommitBlock first = new CommitBlock();
        first.sequence = 1;
        first.nextSnapshotId = 1;
        first.spaceIndex = space.writeChanges();
        first.freeChunks = space.freeChunks();
        first.chunkCount = chunkCount;
        first.originChunks = superblock.originChunks;
        device.flush();
        CommitRing.write(device, superblock, first);
        device.flush();
    }

    /** A read of on-disk state that another node may be changing meanwhile. */
    @FunctionalInterface
    private interface DiskRead<T> {
        T read() throws IOException;
    }

    /**
     * Reads the newest commit and what it points at. In a cluster another node
     * may commit meanwhile and reuse blocks the commit read here pointed at: the
     * view then fails a checksum and is read again, a few times, before the
     * damage is taken as real.
     */
    private static <T> T readSettled(BlockDevice device, DiskRead<T> read) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return read.read();
            } catch (StoreCorruptException torn) {
                if (attempt == MOUNT_ATTEMPTS) {
                    throw torn;
                }
                device.dropCache(0, device.size());
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw torn;
                }
            }
        }
    }

    private static Mount mount(MetadataIo io, Superblock superblock) throws IOException {
        return readSettled(io.device(), () -> Mount.read(io, superblock));
    }

    /** Mounts the store with the default store-full policy (invalidate snapshots). */
    public static SharedExceptionStore open(BlockDevice device, long cacheBytes) throws IOException {
        return open(device, cacheBytes, StoreFullPolicy.INVALIDATE_SNAPSHOTS);
    }

    /** Mounts the store: the newest valid commit block wins; damaged metadata invalidates snapshots. */
    public static SharedExceptionStore open(BlockDevice device, long cacheBytes, StoreFullPolicy fullPolicy)
            throws IOException {
        return open(device, cacheBytes, fullPolicy, DamagedMetadataPolicy.INVALIDATE_SNAPSHOTS);
    }

    /** Mounts the store: the newest valid commit block wins. */
    public static SharedExceptionStore open(BlockDevice device, long cacheBytes, StoreFullPolicy fullPolicy,
            DamagedMetadataPolicy damagePolicy) throws IOException {
        long[] superblockHeals = {0};
        Superblock superblock = Superblock.read(device, () -> superblockHeals[0]++);
        if (superblock.chunkCount * superblock.chunkSize() > device.size()) {
            throw new StoreCorruptException("store device is " + device.size() + " bytes, smaller than the "
                    + superblock.chunkCount + " chunks it was formatted with");
        }
        return new SharedExceptionStore(device, superblock, superblockHeals[0], cacheBytes, fullPolicy,
                damagePolicy);
    }

    /**
     * Reads the root of the B+-tree, so a server knows (and logs) damage there
     * from the start rather than at the first write after a snapshot.
     */
    public void probeTreeRoot() {
        try {
            locked(() -> {
                tree.scan(0, 0, entry -> false);
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
    public void takeOver(ClusterLock.Grant tenure) throws IOException {
        lock.lock();
        try {
            if (tenure.generation() != 0 && !superblock.layout().lockGenerations) {
                throw new StoreException("this store has format version " + superblock.version + ", which has no"
                        + " room for the cluster lock generation; only a single node can serve it (create the"
                        + " volume anew, or serve it without cluster-zookeeper)");
            }
            boolean uncommitted = changeCount != durableChangeCount;
            boolean lastTenureLost = grant != null && !grant.valid();
            if (uncommitted && failure == null && !lastTenureLost) {
                throw new IllegalStateException("takeOver with uncommitted changes: they would be lost");
            }
            grant = tenure;
            // Changes left uncommitted when the last tenure was lost were never acknowledged: drop them too.
            // A mount that met a bad copy while it could not heal it reads again now that it can.
            boolean metBadCopy = io.takeUnhealed();
            if (tenure.othersHeldSince() || failure != null || uncommitted || metBadCopy) {
                device.dropCache(0, device.size());
                nodes.invalidate();
                adopt(mount(io, superblock));
                durableChangeCount = changeCount;
                failure = null;
            }
            healCommitCopy();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under a valid tenure: when one copy of the newest commit block is
     * damaged or missing (format 3), writes both again, so the commit does not
     * hang on one copy until the ring comes round.
     */
    private void healCommitCopy() throws IOException {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        if (!superblock.layout().mirrored || !mayWrite()) {
            return;
        }
        eraseTornCommit();
        CommitRing.Newest newest = CommitRing.read(device, superblock, false);
        if (newest.copyMissing() && newest.commit().sequence == sequence) {
            CommitRing.write(device, superblock, newest.commit());
            device.flush();
            commitHeals++;
            LOG.warn("exception store on {}: healed a copy of commit block {} from the other", device, sequence);
        }
    }

    /**
     * Format 5: a commit cut off by a crash (mount stands at the one before)
     * still sits in its slots; it is erased, so that a look at the ring that
     * does not check blocks (the fencing check before every commit in a
     * cluster) never takes it for another node's commit.
     */
    private void eraseTornCommit() throws IOException {
        if (tornSequence > sequence) { // what the last mount found: no second read of the named chunks
            CommitRing.erase(device, tornSequence);
            device.flush();
            LOG.warn("exception store on {}: erased commit {}, cut off by a crash; the store stands at commit {}",
                    device, tornSequence, sequence);
        }
        tornSequence = -1;
    }

    @Override
    public StoreScrub newScrub() {
        return new StoreScrub(this);
    }

    static CommitBlock newestCommit(BlockDevice device, Superblock superblock) throws IOException {
        return CommitRing.read(device, superblock, false).commit();
    }

    /** Metadata copies healed since the store was opened: blocks, commit blocks and the superblock. */
    @Override
    public long cutOffCommits() {
        return cutOffCommits;
    }

    @Override
    public long heals() {
        return io.heals() + commitHeals + superblockHeals;
    }

    Superblock superblock() {
        return superblock;
    }

    BTree tree() {
        return tree;
    }

    SpaceMap space() {
        return space;
    }

    SnapshotTable table() {
        return table;
    }

    long sequence() {
        return sequence;
    }

    @Override
    public int chunkSize() {
        return superblock.chunkSize();
    }

    @Override
    public long originChunks() {
        return originChunks;
    }

    @Override
    public long chunkCount() {
        return chunkCount;
    }

    /**
     * Lets the store grow as {@code policy} allows when its free chunks run
     * low (format 3 on a device that can grow; docs/STORE.md, "Growth").
     */
    public void growWith(StoreGrowth policy) {
        lock.lock();
        try {
            this.growth = policy;
        } finally {
            lock.unlock();
        }
    }

    /** Work done under the metadata lock. */
    @FunctionalInterface
    interface Locked<T> {
        T run() throws IOException;
    }

    /** Runs {@code action} under the metadata lock, for {@link StoreScrub}: nothing changes meanwhile. */
    <T> T underLock(Locked<T> action) throws IOException {
        return locked(action);
    }

    /** Notes damage a scrub found (status shows the volume as damaged). */
    void reportDamage(StoreCorruptException damaged) {
        noteDamage(damaged);
    }

    /** A scrub rewrote a superblock copy. */
    void superblockHealed() {
        superblockHeals++;
    }

    /** Times the store grew by itself since the open, and the time growing took. */
    record GrowthStats(long steps, long nanos) {
    }

    GrowthStats growthStats() {
        return new GrowthStats(growths, growthNanos);
    }

    /** Whether this node may write the store's metadata now (it holds a valid tenure). */
    boolean mayWrite() {
        return grant != null && grant.valid();
    }

    /** Heals a lone copy of the newest commit block, when this node holds the store. */
    void healCommitRing() throws IOException {
        locked(() -> {
            healCommitCopy();
            return null;
        });
    }

    /** Runs {@code action} under the lock, on a store that has not failed; notes metadata it finds damaged. */
    private <T> T locked(Locked<T> action) throws IOException {
        lock.lock();
        try {
            checkUsable();
            return action.run();
        } catch (StoreCorruptException e) {
            noteDamage(e);
            throw e;
        } finally {
            lock.unlock();
        }
    }

    private void noteDamage(StoreCorruptException e) {
        if (damage == null) {
            damage = e.getMessage();
            LOG.error("exception store on {} has damaged metadata: {}. Snapshot reads that need it fail; origin"
                    + " writes {}. Stop the server and run `snapshare check` on this volume", device, e.getMessage(),
                    damagePolicy == DamagedMetadataPolicy.FAIL_WRITES ? "that need it fail (damaged-metadata-policy"
                    + " fail-writes)" : "invalidate the live snapshots and go ahead");
        }
    }

    @Override
    public CommitStats commitStats() {
        return new CommitStats(commits, commitNanos);
    }

    @Override
    public Optional<String> damage() {
        return Optional.ofNullable(damage);
    }

    /** Like {@link #locked}, for a change that the next commit must carry. */
    private <T> T changing(Locked<T> action) throws IOException {
        return locked(() -> {
            T result = action.run();
            changeCount++;
            return result;
        });
    }

    /** Reads of plain in-memory state: allowed even after a failed commit. */
    private <T> T reading(java.util.function.Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long freeChunks() {
        return reading(space::freeChunks);
    }

    @Override
    public StoreSpace spaceUse() {
        return reading(this::currentSpace);
    }

    private StoreSpace currentSpace() {
        long chunkSize = superblock.chunkSize();
        long size = chunkCount * chunkSize;
        long limit = superblock.layout().sizesInCommits ? Math.max(size, growth.limitBytes(size, usedBytes()))
                : size;
        return new StoreSpace(usedBytes(), size, limit);
    }

    private long usedBytes() {
        return (chunkCount - space.freeChunks()) * superblock.chunkSize();
    }

    /**
     * Logs a warning when use crosses 80% or 90% of the limit, once per
     * crossing: use hovers around a threshold as commits free old metadata,
     * so falling back counts only 5 points under it.
     */
    private void watchSpace() {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        StoreSpace now = currentSpace();
        int level = now.warningLevel();
        if (level > warnedLevel) {
            LOG.warn("exception store on {} is {}% full: {} bytes used of a limit of {} ({}); at 100% the"
                    + " store-full-policy applies: delete snapshots{}", device, now.percentOfLimit(), now.usedBytes(),
                    now.limitBytes(), now.canGrow() ? "it grows toward the limit as needed" : "it cannot grow",
                    now.canGrow() ? " or raise store-max-size" : " or give the volume a larger store");
            warnedLevel = level;
        } else if (level < warnedLevel && now.percentOfLimit() < warnedLevel - 5) {
            LOG.info("exception store on {} is back under {}% of its limit", device, warnedLevel);
            warnedLevel = level;
        }
    }

    @Override
    public SnapshotInfo createSnapshot(String name, long sizeBytes, UUID identity, Instant created)
            throws IOException {
        return changing(() -> table.add(name, created, sizeBytes, identity));
    }

    @Override
    public boolean keepsSnapshotIdentities() {
        return superblock.layout().snapshotIdentities;
    }

    @Override
    public void resizeOrigin(long chunks) throws IOException {
        changing(() -> {
            if (!superblock.layout().sizesInCommits) {
                throw new StoreException("this volume's store has format version " + superblock.version + ", which"
                        + " records the origin's size once, at format: only volumes made in format 3 or later"
                        + " (every volume created now) can be resized");
            }
            if (chunks < originChunks) {
                throw new StoreException("the origin cannot shrink from " + originChunks + " to " + chunks + " chunks");
            }
            originChunks = chunks;
            return null;
        });
    }

    @Override
    public List<SnapshotInfo> snapshots() {
        return reading(table::all);
    }

    @Override
    public LiveIds liveIds() {
        return reading(table::liveIds);
    }

    @Override
    public List<SnapshotInfo> snapshotsOnDisk() throws IOException {
        device.dropCache(0, device.size());
        MetadataIo peek = io.withoutHealing(); // another node may hold the store
        return readSettled(device, () -> {
            CommitBlock newest = newestCommit(device, superblock);
            return SnapshotTable.load(peek, superblock, newest.snapshotTable, newest.nextSnapshotId,
                    newest.chunkCount(superblock)).all();
        });
    }

    @Override
    public Optional<SnapshotInfo> snapshot(String name) {
        return reading(() -> table.byName(name));
    }

    @Override
    public Optional<SnapshotInfo> snapshot(long id) {
        return reading(() -> table.byId(id));
    }

    @Override
    public void setSnapshotState(long id, SnapshotState state) throws IOException {
        changing(() -> {
            table.setState(id, state);
            return null;
        });
    }

    @Override
    public void forgetSnapshot(long id) throws IOException {
        changing(() -> {
            table.remove(id);
            return null;
        });
    }

    @Override
    public Optional<ExceptionEntry> find(long originChunk, long snapshotId) throws IOException {
        return locked(() -> Optional.ofNullable(tree.find(originChunk, snapshotId)));
    }

    @Override
    public List<ExceptionEntry> entries(long originChunk) throws IOException {
        List<ExceptionEntry> result = new ArrayList<>();
        scan(originChunk, 0, entry -> entry.originChunk() == originChunk && result.add(entry));
        return result;
    }

    @Override
    public List<IdRange> rangesLackingCopy(long originChunk) throws IOException {
        return locked(() -> {
            LiveIds live = table.liveIds();
            if (live.isEmpty()) {
                return List.of(); // no snapshot to copy for: skip the tree
            }
            List<ExceptionEntry> entries;
            try {
                entries = entries(originChunk);
            } catch (StoreCorruptException damaged) {
                if (damagePolicy == DamagedMetadataPolicy.FAIL_WRITES) {
                    throw damaged;
                }
                // Which snapshots share the chunk is unreadable: none may be served a wrong one.
                invalidateLive("the metadata saying which of them share origin chunk " + originChunk
                        + " is damaged");
                return List.of();
            }
            return CopyRanges.lacking(live, entries);
        });
    }

    /** Names for a log line: thousands of snapshots would make one line of a hundred kilobytes. */
    static String fewOf(List<String> names) {
        int shown = 20;
        return names.size() <= shown ? names.toString()
                : names.subList(0, shown).toString().replace("]", ", ... and " + (names.size() - shown) + " more]");
    }

    /** Marks every live snapshot INVALID (a change the next commit carries), saying why in the log; their names. */
    private List<String> invalidateLive(String why) throws StoreException {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        List<String> invalidated = new ArrayList<>();
        for (SnapshotInfo info : table.all()) {
            if (info.state() == SnapshotState.LIVE) {
                table.setState(info.id(), SnapshotState.INVALID);
                invalidated.add(info.name());
            }
        }
        changeCount++;
        LOG.error("exception store on {}: snapshots {} are now invalid: {}", device, fewOf(invalidated), why);
        return invalidated;
    }

    @Override
    public void scan(long originChunk, long fromId, Predicate<ExceptionEntry> visitor) throws IOException {
        locked(() -> {
            tree.scan(originChunk, fromId, visitor);
            return null;
        });
    }

    @Override
    public void addEntry(ExceptionEntry entry) throws IOException {
        changing(() -> {
            checkEntry(entry);
            ExceptionEntry stored = storable(entry);
            tree.insert(stored);
            counted(null, stored);
            return null;
        });
    }

    @Override
    public void updateEntry(ExceptionEntry entry) throws IOException {
        changing(() -> {
            checkEntry(entry);
            ExceptionEntry stored = storable(entry);
            ExceptionEntry old = tree.update(stored);
            if (old == null) {
                throw new StoreException("no entry for chunk " + entry.originChunk() + " from id " + entry.fromId());
            }
            counted(old, stored);
            return null;
        });
    }

    @Override
    public void removeEntry(long originChunk, long fromId) throws IOException {
        changing(() -> {
            ExceptionEntry old = tree.remove(originChunk, fromId);
            if (old == null) {
                throw new StoreException("no entry for chunk " + originChunk + " from id " + fromId);
            }
            counted(old, null);
            return null;
        });
    }

    /** Keeps the range counters (format 3) in step with an entry that left ({@code old}) and one that came. */
    private void counted(ExceptionEntry old, ExceptionEntry added) {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        if (counts == null) {
            return;
        }
        if (old != null) {
            counts.removed(old);
        }
        if (added != null) {
            counts.added(added);
        }
    }

    @Override
    public Optional<Map<IdRange, Long>> copiedChunksByRange() {
        return counts == null ? Optional.empty() : Optional.of(reading(counts::counts));
    }

    /** The range counters as committed with the tree, for check and scrub; null before format 3. */
    RangeCounts rangeCounts() {
        return counts;
    }

    @Override
    public long allocateChunk() throws IOException {
        return changing(this::allocateData);
    }

    @Override
    public Optional<Long> allocateCopy(IdRange ids) throws IOException {
        return changing(() -> {
            try {
                return Optional.of(allocateData());
            } catch (StoreFullException full) {
                if (fullPolicy == StoreFullPolicy.FAIL_WRITES) {
                    LOG.error("exception store on {} is full ({} bytes, its limit): origin writes that need a copy fail"
                            + " (store-full-policy fail-writes); delete snapshots to make room", device,
                            chunkCount * superblock.chunkSize());
                    throw full;
                }
                List<String> invalidated = new ArrayList<>();
                for (SnapshotInfo info : table.all()) {
                    if (info.state() == SnapshotState.LIVE && info.id() >= ids.from() && info.id() <= ids.to()) {
                        table.setState(info.id(), SnapshotState.INVALID);
                        invalidated.add(info.name());
                    }
                }
                LOG.error("exception store on {} is full ({} bytes, its limit): snapshots {} are now invalid, since"
                        + " they needed a copy of an origin chunk that was overwritten (store-full-policy"
                        + " invalidate-snapshots); delete them, and raise store-max-size or delete other snapshots"
                        + " before the next ones fill it", device, chunkCount * superblock.chunkSize(),
                        fewOf(invalidated));
                return Optional.empty();
            }
        });
    }

    @Override
    public void freeChunk(long storeChunk) throws IOException {
        changing(() -> {
            space.free(storeChunk);
            return null;
        });
    }

    @Override
    public void readChunk(long storeChunk, int offset, ByteBuffer dst) throws IOException {
        checkChunkAccess(storeChunk, offset, dst.remaining());
        device.read(storeChunk * chunkSize() + offset, dst);
    }

    @Override
    public void writeChunk(long storeChunk, int offset, ByteBuffer src) throws IOException {
        checkChunkAccess(storeChunk, offset, src.remaining());
        checkTenure(); // the chunk may be another node's by now
        transaction.unlisted(); // it may change again in place: the next commit flushes it first
        device.write(storeChunk * chunkSize() + offset, src);
    }

    @Override
    public void writeCopies(long firstStoreChunk, ByteBuffer wholeChunks, long[] checksums) throws IOException {
        int count = checksums.length;
        checkChunkAccess(firstStoreChunk, 0, 0);
        checkChunkAccess(firstStoreChunk + count - 1, 0, 0);
        if (wholeChunks.remaining() != (long) count * chunkSize()) {
            throw new IllegalArgumentException(count + " copies are " + count + " whole chunks of " + chunkSize()
                    + " bytes, not " + wholeChunks.remaining() + " bytes");
        }
        assert checksumsMatch(wholeChunks, checksums) : "a checksum is not its copy's";
        checkTenure();
        // Seldom read again, and the commit's flush must wait for them: past the cache, or on their way at once.
        device.writeUncached(firstStoreChunk * chunkSize(), wholeChunks.duplicate());
        for (int i = 0; i < count; i++) {
            transaction.listed(firstStoreChunk + i, (int) checksums[i]);
        }
    }

    private boolean checksumsMatch(ByteBuffer wholeChunks, long[] checksums) {
        int size = chunkSize();
        for (int i = 0; i < checksums.length; i++) {
            if (DataChecksum.of(wholeChunks.slice(wholeChunks.position() + i * size, size)) != checksums[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public DeleteCursor deleteCursor() {
        return reading(() -> new DeleteCursor(deleteCursorChunk, deleteCursorId));
    }

    @Override
    public void setDeleteCursor(long originChunk, long fromId) {
        lock.lock();
        try {
            deleteCursorChunk = originChunk;
            deleteCursorId = fromId;
            changeCount++;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public <T> T atomically(Work<T> work) throws IOException {
        operations.readLock().lock();
        try {
            return work.run();
        } finally {
            operations.readLock().unlock();
        }
    }

    @Override
    public void commit() throws IOException {
        if (operations.getReadHoldCount() > 0) {
            throw new IllegalStateException("commit() inside atomically() would wait for itself");
        }
        lock.lock();
        try {
            long mine = changeCount;
            while (durableChangeCount < mine) {
                checkUsable();
                if (committing) {
                    commitDone.awaitUninterruptibly();
                    continue;
                }
                commitOnce();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * One commit. Its blocks are written under the lock; the flushes and the
     * commit block run without it, so other writers keep changing the next
     * transaction meanwhile and share the following commit (group commit).
     */
    private void commitOnce() throws IOException {
        long started = System.nanoTime();
        committing = true;
        IOException error = null;
        try {
            // Let atomic work in progress finish (it needs the lock), and hold new work back while the blocks
            // are written, so the commit holds every piece of work whole or not at all.
            lock.unlock();
            try {
                operations.writeLock().lock();
            } finally {
                lock.lock();
            }
            long covered = changeCount;
            CommitBlock commit;
            try {
                checkNotFenced(); // before any block is written: a fenced node's blocks could land on the holder's
                commit = writeBlocks();
                commit.listed = listedWrites(commit);
                space.sealed();
            } finally {
                operations.writeLock().unlock();
            }
            boolean oneFlush = !commit.listed.isEmpty();
            lock.unlock();
            try {
                if (!oneFlush) {
                    device.flush(); // the blocks first: the commit block cannot vouch for them
                }
                checkTenure();
                CommitRing.write(device, superblock, commit);
                device.flush();
            } finally {
                lock.lock();
            }
            sequence = commit.sequence;
            space.durable();
            durableChangeCount = covered;
            unconfirmed = oneFlush;
            if (oneFlush && grant != null) { // a served store; tools and tests confirm when they close
                long confirming = sequence;
                CONFIRMER.schedule(() -> confirmQuietly(confirming), CONFIRM_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            }
            commits++;
            commitNanos += System.nanoTime() - started;
        } catch (IOException | RuntimeException e) {
            // Memory and disk no longer agree; only a remount (which finds the last commit) is safe.
            error = e instanceof IOException io ? io : new IOException(e);
            failure = error;
            nodes.invalidate();
        } finally {
            committing = false;
            commitDone.signalAll();
        }
        if (error != null) {
            throw error;
        }
    }

    /**
     * Format 5: the chunks this transaction wrote and still holds, with
     * their checksums, for the commit block to name, so it can go out with
     * them under one flush; empty (two flushes) when something was written
     * in place, when they do not fit, or before format 5. A chunk freed in
     * the transaction is left out: the next one may reuse it once this one
     * is durable, and would then fail this commit's check at mount. A chunk
     * written that is still in use but not fresh was written in place: the
     * commit before may depend on it, so this commit takes two flushes.
     */
    private Map<Long, Integer> listedWrites(CommitBlock commit) {
        Optional<TransactionWrites.Listed> taken = transaction.take();
        if (!superblock.layout().listedCommits || taken.isEmpty()) {
            return Map.of();
        }
        Map<Long, Integer> held = new LinkedHashMap<>();
        for (Map.Entry<Long, Integer> written : taken.get().crcs().entrySet()) {
            long chunk = written.getKey();
            if (space.isFresh(chunk)) {
                held.put(chunk, written.getValue());
            } else if (space.isAllocated(chunk)) {
                return Map.of();
            }
        }
        boolean fits = held.size() <= CommitBlock.listCapacity(superblock.version, commit.spaceIndex.length);
        return fits ? held : Map.of();
    }

    /** Writes the transaction's nodes, table and space map (not flushed); returns its commit block. */
    private CommitBlock writeBlocks() throws IOException {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        nodes.writeDirty();
        CommitBlock commit = new CommitBlock();
        commit.snapshotTable = table.writeChanges(space);
        commit.rangeCounts = counts == null ? BlockRef.NONE : counts.writeChanges(space);
        commit.spaceIndex = space.writeChanges();
        commit.sequence = sequence + 1;
        commit.treeRoot = tree.root;
        commit.treeHeight = tree.height;
        commit.nextSnapshotId = table.nextId();
        commit.freeChunks = space.freeChunks();
        commit.deleteCursorChunk = deleteCursorChunk;
        commit.deleteCursorId = deleteCursorId;
        commit.generation = grant == null ? 0 : grant.generation();
        commit.chunkCount = chunkCount;
        commit.originChunks = originChunks;
        return commit;
    }

    /**
     * Before a commit writes anything under a cluster lock: the tenure must
     * still be valid, and the ring on the shared disk must still end with this
     * node's own last commit, written under a generation no newer than its
     * own. A node that was frozen while another took over finds the other's
     * commits there and refuses, before a block of its stale transaction can
     * land on chunks the other node now uses.
     */
    private void checkNotFenced() throws IOException {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        long generation = grant == null ? 0 : grant.generation();
        if (generation == 0) {
            return; // single node: nobody else writes this store
        }
        checkTenure();
        device.dropCache(StoreLayout.RING_OFFSET, CommitRing.span(superblock));
        CommitBlock newest = newestCommit(device, superblock);
        if (newest.sequence != sequence || newest.generation > generation) {
            throw new StoreFencedException("another node committed to this store (commit " + newest.sequence
                    + ", lock generation " + newest.generation + ") after this node's commit " + sequence
                    + " under generation " + generation + "; this node was fenced and commits nothing");
        }
    }

    /** Refuses a write to the store once this node can no longer be sure it holds the cluster lock. */
    private void checkTenure() throws StoreFencedException {
        if (grant != null && !grant.valid()) {
            throw new StoreFencedException("this node no longer holds the cluster lock of the store; it changes"
                    + " nothing until it takes the lock again");
        }
    }

    /** A tree node straight from the device, past the cache, from a good copy (repair and scrub walk with it). */
    Node readNodeUncached(BlockRef ref) throws IOException {
        return Node.decode(io.read(ref, BlockKind.NODE), ref, superblock.layout());
    }

    /** The metadata reader, for check and scrub. */
    MetadataIo metadataIo() {
        return io;
    }

    /** What {@link #rebuild} did: chunks it freed, in-use chunks it marked so, snapshots it invalidated. */
    record Rebuilt(long chunksFreed, long chunksClaimed, List<String> invalidated) {
    }

    /**
     * For {@link StoreRepair}: replaces the tree with one holding exactly
     * {@code entries} (sorted, sound), frees every allocated chunk that then
     * belongs to nothing (the old tree's nodes, data behind damaged nodes),
     * invalidates the live snapshots when {@code lost}, and commits. The new
     * nodes take chunks free in the old commit, so a crash leaves it whole.
     */
    Rebuilt rebuild(List<ExceptionEntry> entries, boolean lost) throws IOException {
        lock.lock();
        try {
            checkUsable();
            nodes.invalidate();
            long claimed = 0;
            for (ExceptionEntry entry : entries) { // before the new nodes can take them
                if (!entry.zeros() && !space.isAllocated(entry.storeChunk())) {
                    space.claim(entry.storeChunk());
                    claimed++;
                }
            }
            BTree rebuilt = new BTree(nodes, space, superblock.layout(), superblock.chunkSize(), BlockRef.NONE, 0);
            RangeCounts recounted = counts == null ? null : RangeCounts.empty(io, superblock.layout());
            for (ExceptionEntry entry : entries) {
                rebuilt.insert(entry);
                if (recounted != null) {
                    recounted.added(entry);
                }
            }
            counts = recounted; // the old chain belongs to nothing now: freed below with the old tree
            tree = rebuilt;
            Set<Long> owned = new HashSet<>();
            for (long chunk = 0; chunk < superblock.layout().reservedChunks(chunkSize()); chunk++) {
                owned.add(chunk);
            }
            owned.addAll(space.metadataChunks()); // the map and table shadow themselves at the commit
            owned.addAll(table.chunks());
            rebuilt.visitNodes((node, level) -> owned.addAll(node.ref().chunks()));
            for (ExceptionEntry entry : entries) {
                if (!entry.zeros()) {
                    owned.add(entry.storeChunk());
                }
            }
            long freed = 0;
            for (long chunk = 0; chunk < chunkCount; chunk++) {
                if (space.isAllocated(chunk) && !owned.contains(chunk)) {
                    space.free(chunk);
                    freed++;
                }
            }
            List<String> invalidated = lost
                    ? invalidateLive("repair could not read every entry; they may have lost copies") : List.of();
            changeCount++;
            damage = null;
            return new Rebuilt(freed, claimed, invalidated);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adopts the size its device has now (a raw device extended with
     * lvextend, say): the new chunks join the space map in the open
     * transaction; the caller commits. Returns the bytes added.
     */
    @Override
    public long adoptDeviceSize() throws IOException {
        return changing(() -> {
            if (!superblock.layout().sizesInCommits) {
                throw new StoreException("this store has format version " + superblock.version + ", which cannot"
                        + " grow; only stores made in format 3 or later (every store"
                        + " created now) can");
            }
            long chunkSize = superblock.chunkSize();
            long target = device.size() / chunkSize;
            if (target <= chunkCount) {
                throw new StoreException("the store's device is " + device.size() + " bytes and the store already"
                        + " uses all of it; extend the device first (lvextend, or a larger partition)");
            }
            try {
                space.grow(target);
            } catch (IllegalArgumentException e) {
                throw new StoreException(e.getMessage() + ": the space map index is full; use larger chunks");
            }
            long added = (target - chunkCount) * chunkSize;
            LOG.info("exception store on {} adopted its device's new size: {} bytes (+{})", device,
                    target * chunkSize, added);
            chunkCount = target;
            return added;
        });
    }

    /** A chunk for copied data, leaving the metadata reserve alone. */
    private long allocateData() throws StoreFullException {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        growIfLow();
        if (space.freeChunks() <= metadataReserve()) {
            throw new StoreFullException(chunkCount);
        }
        long chunk = space.allocateData();
        watchSpace();
        return chunk;
    }

    /**
     * When free chunks run under the low-water mark (the reserve plus 1/16 of
     * the store), extends the device by a quarter (at least 1024 chunks), as
     * far as the growth policy allows; the new size and the space map blocks
     * covering it are part of the open transaction, so the commit that makes
     * use of them also records them. A crash before it leaves a longer device
     * and the old size: harmless.
     */
    private void growIfLow() {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        long lowWater = metadataReserve() + chunkCount / 16;
        if (!superblock.layout().sizesInCommits || space.freeChunks() > lowWater) {
            return;
        }
        long chunkSize = superblock.chunkSize();
        long limit = growth.limitBytes(chunkCount * chunkSize, usedBytes()) / chunkSize;
        long target = Math.min(limit, chunkCount + Math.max(chunkCount / 4, MIN_GROWTH_CHUNKS));
        if (target <= chunkCount) {
            if (growthStoppedAt != chunkCount && growth != StoreGrowth.FIXED) {
                growthStoppedAt = chunkCount;
                LOG.warn("exception store on {} is at its size limit ({} bytes) and cannot grow further; when it is"
                        + " full, store-full-policy applies", device, chunkCount * chunkSize);
            }
            return;
        }
        long started = System.nanoTime();
        try {
            if (!device.grow(target * chunkSize)) {
                return; // a raw device: `snapshare volume grow-store` adopts its new size
            }
            space.grow(target);
            growths++;
            growthNanos += System.nanoTime() - started;
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("exception store on {} could not grow to {} bytes: {}", device, target * chunkSize,
                    e.getMessage());
            return;
        }
        LOG.info("exception store on {} grew from {} to {} bytes", device, chunkCount * chunkSize,
                target * chunkSize);
        chunkCount = target;
        changeCount++;
    }

    private void checkUsable() throws IOException {
        checkTenure();
        if (failure instanceof StoreFencedException fenced) {
            throw new StoreFencedException(fenced.getMessage() + "; it changes nothing until it takes the lock"
                    + " again");
        }
        if (failure != null) {
            throw new StoreException("the exception store failed a commit (" + failure.getMessage()
                    + "); restart to recover from the last commit");
        }
    }

    @Override
    public boolean holdsUnmappedRanges() {
        return superblock.layout().unmappedRanges;
    }

    /** The entry as this store's format can keep it: formats before 3 have no room for a checksum. */
    private ExceptionEntry storable(ExceptionEntry entry) throws StoreException {
        if (entry.zeros() && !superblock.layout().unmappedRanges) {
            throw new StoreException("this store has format version " + superblock.version + ", which cannot keep"
                    + " unmapped snapshot ranges");
        }
        return superblock.layout().dataChecksums ? entry : entry.withChecksum(ExceptionEntry.NO_CHECKSUM);
    }

    private void checkEntry(ExceptionEntry entry) throws StoreException {
        if (entry.originChunk() >= originChunks || entry.storeChunk() >= chunkCount) {
            throw new StoreException("entry " + entry + " lies outside the origin or the store");
        }
    }

    private void checkChunkAccess(long storeChunk, int offset, int length) throws StoreException {
        if (storeChunk <= 0 || storeChunk >= chunkCount || offset < 0
                || offset + (long) length > chunkSize()) {
            throw new StoreException("access of " + length + " bytes at offset " + offset + " of store chunk "
                    + storeChunk + " is outside the store");
        }
    }

    /** Commits what is pending and closes the device. */
    @Override
    public void close() throws IOException {
        try {
            if (failure == null) {
                commit();
                confirm();
            }
        } finally {
            device.close();
        }
    }

    /**
     * Follows a one-flush commit that nothing followed with an empty commit
     * (two flushes, no blocks): from then on the one-flush commit is known to
     * be whole, and mount never takes a later bad block in it for a crash.
     */
    void confirm() throws IOException {
        lock.lock();
        try {
            if (!unconfirmed || failure != null || (grant != null && !grant.valid())) {
                return; // nothing to confirm, or another node may hold the store now (its commits confirm)
            }
            changeCount++; // nothing changed: the commit writes only its commit block
        } finally {
            lock.unlock();
        }
        commit(); // not under the lock: a commit lets go of it while it waits for atomic work
    }

    private void confirmQuietly(long confirming) {
        try {
            lock.lock();
            try {
                if (sequence != confirming) {
                    return; // a later commit confirmed it
                }
            } finally {
                lock.unlock();
            }
            confirm();
        } catch (IOException | RuntimeException e) {
            LOG.warn("exception store on {}: confirming commit {} failed: {}", device, confirming, e.getMessage());
        }
    }
}
