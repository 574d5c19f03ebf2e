package org.snapshare.store;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;
import org.snapshare.util.IoWork;

/**
 * Owns the open transaction (docs/STORE.md, "Layers"): the metadata lock,
 * the metadata I/O and the chunks it wrote, the {@link StoreState} a commit
 * writes out, and the commit pipeline. A commit writes its blocks under the
 * lock, then flushes and writes the commit block without it, so writers that
 * change the next transaction meanwhile share the following commit (group
 * commit). A failed commit leaves memory and disk apart: nothing changes
 * until a remount from the newest commit on disk.
 */
final class TransactionManager {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionManager.class);

    /** How long a one-flush commit waits for a successor before an empty commit confirms it. */
    static final long CONFIRM_DELAY_MILLIS = 50;
    /** Runs the empty commits that confirm one-flush commits when no other commit follows them. */
    private static final ScheduledExecutorService CONFIRMER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "store-confirm");
        thread.setDaemon(true);
        return thread;
    });

    private final BlockDevice device;
    private final Superblock superblock;
    private final Tenure tenure;
    private final DamageRecord damage;
    /** What the open transaction wrote, for a commit block that names it (format 5). */
    private final TransactionWrites writes = new TransactionWrites();
    private final MetadataIo io;
    private final StoreState state;
    private final ReentrantLock lock = new ReentrantLock();
    /** Shared by {@link #atomically} work, exclusive while a commit writes its blocks. */
    private final ReentrantReadWriteLock operations = new ReentrantReadWriteLock();
    private final Condition commitDone = lock.newCondition();
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
    private volatile long commits;
    private volatile long commitHeals;
    private volatile long commitNanos;

    /** Mounts the store from the newest commit on disk, its node cache taking a share of {@code cacheBudget}. */
    TransactionManager(BlockDevice device, Superblock superblock, Tenure tenure, DamageRecord damage,
            NodeCacheBudget cacheBudget) throws IOException {
        this.device = device;
        this.superblock = superblock;
        this.tenure = tenure;
        this.damage = damage;
        // A bad copy is rewritten only under a valid tenure: any other time its chunk may be another node's now.
        this.io = new MetadataIo(device, superblock.chunkSize(), superblock.layout(), tenure::mayWrite, writes);
        this.state = new StoreState(superblock, new NodeCache(io, superblock.layout(), cacheBudget));
        adopt(StoreMount.mount(io.withoutHealing(), superblock));
    }

    private void adopt(StoreMount.Mount mount) {
        tornSequence = mount.newest().tornSequence();
        if (tornSequence >= 0) {
            cutOffCommits++;
        }
        state.adopt(mount);
    }

    MetadataIo io() {
        return io;
    }

    StoreState state() {
        return state;
    }

    /** The chunks of a write in place (not named by the commit): the next commit flushes them first. */
    void noteInPlaceWrite() {
        writes.noteInPlaceWrite();
    }

    /** Copies the next commit may name, each with the CRC32C of its whole chunk. */
    void nameCopy(long chunk, int crc) {
        writes.name(chunk, crc);
    }

    // ---- the lock

    /** Runs {@code action} under the lock, on a store that has not failed; notes metadata it finds damaged. */
    <T> T locked(IoWork<T> action) throws IOException {
        lock.lock();
        try {
            checkUsable();
            return action.run();
        } catch (StoreCorruptException e) {
            damage.note(e);
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** Like {@link #locked}, for a change that the next commit must carry. */
    <T> T changing(IoWork<T> action) throws IOException {
        return locked(() -> {
            T result = action.run();
            changeCount++;
            return result;
        });
    }

    /** Reads (or sets) plain in-memory state: allowed even after a failed commit. */
    <T> T reading(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /** Counts a change made under the lock that no {@link #changing} call counted. */
    void changed() {
        assert lock.isHeldByCurrentThread() : "needs the metadata lock";
        changeCount++;
    }

    void checkUsable() throws IOException {
        tenure.check();
        if (failure instanceof StoreFencedException fenced) {
            throw new StoreFencedException(fenced.getMessage() + "; it changes nothing until it takes the lock"
                    + " again");
        }
        if (failure != null) {
            throw new StoreException("the exception store failed a commit (" + failure.getMessage()
                    + "); restart to recover from the last commit");
        }
    }

    boolean failed() {
        return reading(() -> failure != null);
    }

    // ---- tenure

    /**
     * Starts a tenure. When another node may have held the store since, a
     * commit failed, changes were left uncommitted by a lost tenure or a read
     * met a copy it could not heal, every cached byte of metadata is dropped
     * and the store is mounted again from the newest commit on disk.
     */
    void takeOver(ClusterLock.Grant grant) throws IOException {
        lock.lock();
        try {
            boolean uncommitted = changeCount != durableChangeCount;
            if (uncommitted && failure == null && !tenure.lost()) {
                throw new IllegalStateException("takeOver with uncommitted changes: they would be lost");
            }
            tenure.begin(grant);
            // Changes left uncommitted when the last tenure was lost were never acknowledged: drop them too.
            // A mount that met a bad copy while it could not heal it reads again now that it can.
            boolean metBadCopy = io.takeUnhealed();
            if (grant.othersHeldSince() || failure != null || uncommitted || metBadCopy) {
                device.dropCache(0, device.size());
                state.forgetCaches();
                adopt(StoreMount.mount(io, superblock));
                durableChangeCount = changeCount;
                failure = null;
            }
            healCommitCopy();
        } finally {
            lock.unlock();
        }
    }

    /** Heals a lone copy of the newest commit block, when this node holds the store. */
    void healRing() throws IOException {
        locked(() -> {
            healCommitCopy();
            return null;
        });
    }

    /**
     * Under a valid tenure: when one copy of the newest commit block is
     * damaged or missing (format 3), writes both again, so the commit does not
     * hang on one copy until the ring comes round.
     */
    private void healCommitCopy() throws IOException {
        if (!superblock.layout().mirrored || !tenure.mayWrite()) {
            return;
        }
        eraseTornCommit();
        CommitRing.Newest newest = CommitRing.read(device, superblock, false);
        if (newest.copyMissing() && newest.commit().sequence == state.sequence()) {
            CommitRing.write(device, superblock, newest.commit());
            device.flush();
            commitHeals++;
            LOG.warn("exception store on {}: healed a copy of commit block {} from the other", device,
                    state.sequence());
        }
    }

    /**
     * Format 5: a commit cut off by a crash (mount stands at the one before)
     * still sits in its slots; it is erased, so that a look at the ring that
     * does not check blocks (the fencing check before every commit in a
     * cluster) never takes it for another node's commit.
     */
    private void eraseTornCommit() throws IOException {
        if (tornSequence > state.sequence()) { // what the last mount found: no second read of the named chunks
            CommitRing.erase(device, tornSequence);
            device.flush();
            LOG.warn("exception store on {}: erased commit {}, cut off by a crash; the store stands at commit {}",
                    device, tornSequence, state.sequence());
        }
        tornSequence = -1;
    }

    // ---- commits

    /** Runs work of several changes that a commit must hold whole or not at all. */
    <T> T atomically(IoWork<T> work) throws IOException {
        operations.readLock().lock();
        try {
            return work.run();
        } finally {
            operations.readLock().unlock();
        }
    }

    /** Makes every change made before the call durable. */
    void commit() throws IOException {
        if (operations.getReadHoldCount() > 0) {
            throw new IllegalStateException("commit() inside atomically() would wait for itself");
        }
        lock.lock();
        try {
            long mine = changeCount;
            while (durableChangeCount < mine) {
                checkUsable();
                if (committing) {
                    awaitCommit();
                    continue;
                }
                commitOnce();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, holding the lock, until the commit under way ends. A managed
     * block: a worker of a ForkJoinPool (the iSCSI command workers) that
     * waits here is stood in for by another, which can bring its change to
     * the next commit, so commits are shared by more writers.
     */
    private void awaitCommit() {
        try {
            ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
                @Override
                public boolean block() {
                    commitDone.awaitUninterruptibly();
                    return true;
                }

                @Override
                public boolean isReleasable() {
                    return !committing;
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // awaitUninterruptibly does not throw it; kept for the contract
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
            List<Long> copies;
            try {
                // Before any block is written: a fenced node's blocks could land on the holder's.
                tenure.checkNotFenced(state.sequence());
                commit = state.writeBlocks(tenure.generation());
                listWrites(commit);
                copies = writes.takeCopies();
                state.space().seal();
            } finally {
                operations.writeLock().unlock();
            }
            boolean oneFlush = !commit.listed.isEmpty();
            lock.unlock();
            try {
                if (!oneFlush) {
                    device.flush(); // the blocks first: the commit block cannot vouch for them
                }
                tenure.check();
                CommitRing.write(device, superblock, commit);
                device.flush();
                FlushedCopies.leaveCache(device, superblock.chunkSize(), copies);
            } finally {
                lock.lock();
            }
            state.committed(commit.sequence);
            state.space().releaseSealed();
            durableChangeCount = covered;
            unconfirmed = oneFlush;
            if (oneFlush && tenure.granted()) { // a served store; tools and tests confirm when they close
                long confirming = commit.sequence;
                CONFIRMER.schedule(() -> confirmQuietly(confirming), CONFIRM_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            }
            commits++;
            commitNanos += System.nanoTime() - started;
        } catch (IOException | RuntimeException e) {
            // Memory and disk no longer agree; only a remount (which finds the last commit) is safe.
            error = e instanceof IOException io ? io : new IOException(e);
            failure = error;
            state.forgetCaches(); // and askers of copy-free chunks go to the store, which refuses
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
    private void listWrites(CommitBlock commit) {
        Optional<TransactionWrites.Listed> taken = writes.take();
        if (!superblock.layout().listedCommits || taken.isEmpty()) {
            return;
        }
        SpaceMap space = state.space();
        Map<Long, Integer> held = new LinkedHashMap<>();
        for (Map.Entry<Long, Integer> written : taken.get().crcs().entrySet()) {
            long chunk = written.getKey();
            if (space.isFresh(chunk)) {
                held.put(chunk, written.getValue());
            } else if (space.isAllocated(chunk)) {
                return;
            }
        }
        if (held.size() <= CommitBlock.listCapacity(superblock.version, commit.spaceIndex.length)) {
            commit.listed = held;
            commit.listedNodes = held.keySet().stream().filter(taken.get().nodes()::contains)
                    .collect(Collectors.toUnmodifiableSet());
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
            if (!unconfirmed || failure != null || tenure.lost()) {
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
            if (reading(() -> state.sequence() != confirming)) {
                return; // a later commit confirmed it
            }
            confirm();
        } catch (IOException | RuntimeException e) {
            LOG.warn("exception store on {}: confirming commit {} failed: {}", device, confirming, e.getMessage());
        }
    }

    /** Commits what is pending unless a commit failed (then only a remount is safe). */
    void commitUnlessFailed() throws IOException {
        if (!failed()) {
            commit();
            confirm();
        }
    }

    // ---- figures

    long cutOffCommits() {
        return cutOffCommits;
    }

    long commitHeals() {
        return commitHeals;
    }

    ExceptionStore.CommitStats commitStats() {
        return new ExceptionStore.CommitStats(commits, commitNanos);
    }
}
