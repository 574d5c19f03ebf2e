package org.snapshare.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.snapshare.util.IoWork;

/**
 * The exception store as the snapshot core sees it: which snapshot ids have
 * their own copy of an origin chunk and where, the snapshot table, and the
 * copied chunks themselves. The core does not know the on-disk format.
 *
 * Changes are volatile until {@link #commit()} returns; data written to a
 * chunk must be committed before anything that depends on it (for example
 * the origin write that made the copy necessary) is done.
 */
public interface ExceptionStore extends Closeable {

    int chunkSize();

    /** Chunks of the origin, as the newest commit records them (it follows resizes). */
    long originChunks();

    long chunkCount();

    long freeChunks();

    /** Whether entries may be {@link ExceptionEntry#ZEROS} (format 3): snapshots can be unmapped. */
    boolean holdsUnmappedRanges();

    /** Bytes in use, the size now and the limit it may grow to. */
    StoreSpace spaceUse();

    /** Takes the whole of the device, grown since (lvextend); the bytes added; commit afterwards. */
    long adoptDeviceSize() throws IOException;

    /** Commits made since the store was opened, and the time they took in all. */
    record CommitStats(long commits, long nanos) {
    }

    CommitStats commitStats();

    /** Damaged metadata copies rewritten from their good twin since the store was opened. */
    long heals();

    /**
     * Times a mount (the first, or a cluster takeover's) found the newest commit cut off by a crash
     * before all its blocks reached the disk, and stood at the commit before (format 5; docs/FORMAT.md).
     */
    long cutOffCommits();

    /** A new scrub of the whole store, to be run step by step (see {@link StoreScrub}). */
    StoreScrub newScrub();

    /** The first damaged metadata met since the store was mounted, as a message; empty while none was. */
    Optional<String> damage();

    // -- snapshot table --------------------------------------------------

    /**
     * A new live snapshot with the next id; names are unique; {@code sizeBytes}:
     * the volume's size now; {@code identity}: kept when {@link #keepsSnapshotIdentities()}
     * (a received snapshot's is its source's), else derived from the id;
     * {@code created}: when the point in time was taken (a received snapshot's: at its source);
     * {@code parentId}: the live snapshot it is taken of, 0 for the origin (format 6).
     */
    SnapshotInfo createSnapshot(String name, long sizeBytes, UUID identity, Instant created, long parentId)
            throws IOException;

    /** A snapshot of the origin. */
    default SnapshotInfo createSnapshot(String name, long sizeBytes, UUID identity, Instant created)
            throws IOException {
        return createSnapshot(name, sizeBytes, identity, created, 0);
    }

    /** A snapshot of a new identity, taken now. */
    default SnapshotInfo createSnapshot(String name, long sizeBytes) throws IOException {
        return createSnapshot(name, sizeBytes, UUID.randomUUID(), Instant.now());
    }

    /** A snapshot whose size is the volume's (for tests of the store alone). */
    default SnapshotInfo createSnapshot(String name) throws IOException {
        return createSnapshot(name, 0);
    }

    /** Whether the snapshot table keeps identities given to {@link #createSnapshot} (format 4). */
    boolean keepsSnapshotIdentities();

    /**
     * The origin grew to {@code chunks} chunks (volume resize; format 3 only):
     * entries may name them from now on. The caller commits.
     */
    void resizeOrigin(long chunks) throws IOException;

    List<SnapshotInfo> snapshots();

    /**
     * The ids whose data must stay as of now: live snapshots and their
     * ancestors (see {@link SnapshotTree}); the same object until the table changes (no copy per call).
     */
    LiveIds liveIds();

    /** Which snapshot was taken of which, as of now: the same object until the table changes. */
    SnapshotTree tree();

    /**
     * The snapshot table as the newest commit on the disk has it, read past
     * this node's caches: what a node that does not hold the cluster lock
     * serves, while another node may be changing it.
     */
    List<SnapshotInfo> snapshotsOnDisk() throws IOException;

    Optional<SnapshotInfo> snapshot(String name);

    Optional<SnapshotInfo> snapshot(long id);

    void setSnapshotState(long id, SnapshotState state) throws IOException;

    /** Gives snapshot {@code id} a new name (one no other snapshot has); the caller commits. */
    void renameSnapshot(long id, String name) throws IOException;

    /** Drops a snapshot from the table once nothing refers to its id any more. */
    void forgetSnapshot(long id) throws IOException;

    // -- exception entries ---------------------------------------------

    /** The entry covering (origin chunk, snapshot id), if any. */
    Optional<ExceptionEntry> find(long originChunk, long snapshotId) throws IOException;

    /** Every entry of one origin chunk, by increasing from-id. */
    default List<ExceptionEntry> entries(long originChunk) throws IOException {
        List<ExceptionEntry> result = new ArrayList<>();
        scan(originChunk, 0, entry -> entry.originChunk() == originChunk && result.add(entry));
        return result;
    }

    /**
     * The entry whose data the snapshot reads at an origin chunk: its own,
     * else the one its parent reads, up the tree; empty: the origin's data.
     */
    default Optional<ExceptionEntry> visible(long originChunk, long snapshotId) throws IOException {
        SnapshotTree tree = tree();
        if (tree.parentOf(snapshotId) == 0) {
            return find(originChunk, snapshotId);
        }
        return Optional.ofNullable(tree.visible(entries(originChunk), snapshotId));
    }

    /**
     * The ids below the snapshot in the tree that read its data at an origin
     * chunk, in maximal ranges: each needs a copy before that data changes.
     */
    default List<IdRange> rangesInheriting(long originChunk, long snapshotId) throws IOException {
        SnapshotTree tree = tree();
        return tree.hasDescendants(snapshotId) ? tree.inheriting(entries(originChunk), snapshotId) : List.of();
    }

    /**
     * The live snapshot ids (and kept ancestors) that read the origin at {@code originChunk}:
     * no entry of their own or of an ancestor, grouped into maximal ranges: a range may span ids of deleted
     * snapshots but never an id that has an entry or reads another. One store chunk per range
     * serves them all.
     */
    List<IdRange> rangesLackingCopy(long originChunk) throws IOException;

    /**
     * How many copied chunks the entries of each id range hold, kept with
     * the tree (format 3; empty before): what a snapshot owns alone is a sum
     * over these, without a walk of the tree.
     */
    Optional<Map<IdRange, Long>> copiedChunksByRange();

    /** Entries in (origin chunk, from id) order from the given key, until the visitor returns false. */
    void scan(long originChunk, long fromId, Predicate<ExceptionEntry> visitor) throws IOException;

    /**
     * Adds an entry. Every change to the tree ({@link #addEntry},
     * {@link #updateEntry}, {@link #removeEntry}) happens whole or, with
     * {@link StoreFullException}, not at all, when the store has too little
     * room left for it above what its commit and deletes need.
     */
    void addEntry(ExceptionEntry entry) throws IOException;

    /**
     * Adds the entry of a copy made into a chunk from {@link #allocateCopy}.
     * When the tree has no room for it, the chunk is given back and the
     * store-full policy applies as there: false (the snapshots that needed it
     * are INVALID now), or {@link StoreFullException}.
     */
    boolean addCopy(ExceptionEntry copy) throws IOException;

    /** Changes the to-id or store chunk of the entry with the same (origin chunk, from id). */
    void updateEntry(ExceptionEntry entry) throws IOException;

    void removeEntry(long originChunk, long fromId) throws IOException;

    // -- chunks ---------------------------------------------------------

    /** A free store chunk for copied data; {@link StoreFullException} when none is left. */
    long allocateChunk() throws IOException;

    /**
     * A chunk to hold the copy that the snapshots in {@code ids} need. When
     * the store is full it follows its {@link StoreFullPolicy}: either the
     * live snapshots in {@code ids} are marked INVALID and the result is empty
     * (no copy is needed any more), or {@link StoreFullException} is thrown.
     */
    Optional<Long> allocateCopy(IdRange ids) throws IOException;

    void freeChunk(long storeChunk) throws IOException;

    void readChunk(long storeChunk, int offset, ByteBuffer dst) throws IOException;

    /** Writes data that may change in place later (a snapshot's own chunk). */
    void writeChunk(long storeChunk, int offset, ByteBuffer src) throws IOException;

    /**
     * Writes a whole-chunk copy that stays as it is until its chunk is freed
     * (copy-on-write of the origin: checksummed, so a snapshot drops the
     * checksum in a commit before it writes there): format 5 names it in the
     * commit block, which then commits it under one flush. {@code checksum}:
     * its {@link DataChecksum}, which the caller has computed for the entry.
     */
    default void writeCopy(long storeChunk, ByteBuffer wholeChunk, long checksum) throws IOException {
        writeCopies(storeChunk, wholeChunk, new long[] {checksum});
    }

    /**
     * {@link #writeCopy} of {@code checksums.length} consecutive store chunks
     * from {@code firstStoreChunk} with one write: {@code wholeChunks} holds
     * them one after the other.
     */
    void writeCopies(long firstStoreChunk, ByteBuffer wholeChunks, long[] checksums) throws IOException;

    /** Makes chunk data written so far durable; metadata changes still need {@link #commit()}. */
    void flush() throws IOException;

    // -- background delete ---------------------------------------------

    /** Where background delete stopped: {origin chunk, from id}; {0, 0} when idle. */
    DeleteCursor deleteCursor();

    void setDeleteCursor(long originChunk, long fromId);

    // -- clustering -----------------------------------------------------

    /**
     * Starts a tenure of the cluster lock (see {@link ClusterLock}): if
     * another node may have changed the store since this node last held the
     * lock, cached metadata is dropped and read again from the disk. Commits
     * then carry the grant's generation and fail with
     * {@link StoreFencedException} once the grant is no longer valid or the
     * disk shows a newer holder's commit. Only call it with nothing uncommitted.
     */
    void takeOver(ClusterLock.Grant grant) throws IOException;

    // -- durability -----------------------------------------------------

    /**
     * Runs {@code work} so that no commit (of any thread) captures part of it:
     * a commit waits for running work, and work waits for a commit's blocks to
     * be written. Use it for every sequence that is wrong when cut in two, such
     * as allocating a chunk and adding the entry that owns it. {@link #commit()}
     * must not be called inside.
     */
    <T> T atomically(IoWork<T> work) throws IOException;

    /**
     * Runs {@code work}, which makes at most {@code changes} changes to the
     * tree on this thread, with room for all of them set aside first, so it
     * is never refused half-way; {@link StoreFullException}, before it runs,
     * when the store has not that much room.
     */
    <T> T withTreeRoom(int changes, IoWork<T> work) throws IOException;

    /**
     * Makes every change so far durable: new blocks, flush, commit block,
     * flush. Concurrent callers share one commit (group commit).
     */
    void commit() throws IOException;
}
