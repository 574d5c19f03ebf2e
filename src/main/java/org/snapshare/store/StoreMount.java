package org.snapshare.store;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;
import org.snapshare.util.IoAction;
import org.snapshare.util.IoWork;

/**
 * Reading a store's newest state from disk (mount, remount, peeks by a node
 * that does not hold the store) and writing an empty store (format).
 */
final class StoreMount {

    private static final Logger LOG = LoggerFactory.getLogger(StoreMount.class);

    private static final int READ_ATTEMPTS = 5;

    private StoreMount() {
    }

    /** The newest commit on disk and the space map, snapshot table and range counters it points at. */
    record Mount(CommitRing.Newest newest, SpaceMap space, SnapshotTable table, RangeCounts counts) {

        CommitBlock commit() {
            return newest.commit();
        }
    }

    /** Reads the newest commit and what it points at (see {@link #readSettled}). */
    static Mount mount(MetadataIo io, Superblock superblock) throws IOException {
        return readSettled(io.device(), () -> read(io, superblock));
    }

    private static Mount read(MetadataIo io, Superblock superblock) throws IOException {
        CommitRing.Newest newest = CommitRing.read(io.device(), superblock, true);
        if (newest.tornSequence() >= 0) {
            LOG.warn("exception store on {}: commit {} was cut off by a crash before all of its blocks reached"
                    + " the disk; the store stands at commit {}, as it did before it", io.device(),
                    newest.tornSequence(), newest.commit().sequence);
        }
        CommitBlock commit = newest.commit();
        long chunkCount = commit.chunkCount(superblock);
        SpaceMap space = SpaceMap.load(io, superblock.layout(), chunkCount, commit.spaceIndex);
        SnapshotTable table = SnapshotTable.load(io, superblock, commit.snapshotTable, commit.nextSnapshotId,
                chunkCount);
        RangeCounts counts = superblock.layout().rangeCounters
                ? RangeCounts.load(io, superblock.layout(), commit.rangeCounts, chunkCount) : null;
        return new Mount(newest, space, table, counts);
    }

    /**
     * Runs a read of on-disk state. In a cluster another node may commit
     * meanwhile and reuse blocks the commit read here pointed at: the view
     * then fails a checksum and is read again, a few times, before the damage
     * is taken as real.
     */
    static <T> T readSettled(BlockDevice device, IoWork<T> read) throws IOException {
        return readSettled(() -> device.dropCache(0, device.size()), read);
    }

    /** The same, with {@code forget} dropping what a retry must read again from the disk. */
    static <T> T readSettled(IoAction forget, IoWork<T> read) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return read.run();
            } catch (StoreCorruptException torn) {
                if (attempt == READ_ATTEMPTS) {
                    throw torn;
                }
                forget.run();
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw torn;
                }
            }
        }
    }

    /**
     * The snapshot table as the newest commit on disk has it, for a node that
     * does not hold the store: only the commit ring and the table's blocks
     * are read again from the disk ({@code peek} drops each block from the
     * cache before it reads it); the rest of the cache stays.
     */
    static List<SnapshotInfo> peekSnapshots(MetadataIo peek, Superblock superblock) throws IOException {
        BlockDevice device = peek.device();
        IoAction forgetRing = () -> CommitRing.dropCache(device, superblock);
        forgetRing.run();
        return readSettled(forgetRing, () -> {
            CommitBlock newest = newestCommit(device, superblock);
            return SnapshotTable.load(peek, superblock, newest.snapshotTable, newest.nextSnapshotId,
                    newest.chunkCount(superblock)).all();
        });
    }

    /** The newest commit block on disk, without reading what it points at. */
    static CommitBlock newestCommit(BlockDevice device, Superblock superblock) throws IOException {
        return CommitRing.read(device, superblock, false).commit();
    }

    /** Writes an empty store of format {@code version} over {@code device} for an origin of {@code originBytes}. */
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
        MetadataIo io = new MetadataIo(device, chunkSize, layout, () -> false);
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
}
