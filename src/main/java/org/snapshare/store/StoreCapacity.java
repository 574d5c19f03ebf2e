package org.snapshare.store;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/**
 * The store's room: chunks for copied data (leaving a reserve for
 * metadata), growth of the device when free chunks run low, adoption of a
 * device that was extended, and the warnings as use nears the limit
 * (docs/STORE.md, "Growth" and "Store full"). Called under the store's lock.
 */
final class StoreCapacity {

    private static final Logger LOG = LoggerFactory.getLogger(StoreCapacity.class);

    /** The least a store grows by: 64 MiB at 64 KiB chunks. */
    private static final long MIN_GROWTH_CHUNKS = 1024;

    private final BlockDevice device;
    private final Superblock superblock;
    private final StoreState state;
    private final TreeRoom room;
    private StoreGrowth growth = StoreGrowth.FIXED;
    /** The limit growth last ran into, so it is logged once. */
    private long growthStoppedAt;
    /** The space warning level last logged (0, 80, 90). */
    private int warnedLevel;
    /** Times the store grew by itself, and the time the growing took (device and space map), for benchmarks. */
    private volatile long growths;
    private volatile long growthNanos;

    StoreCapacity(BlockDevice device, Superblock superblock, StoreState state, TreeRoom room) {
        this.device = device;
        this.superblock = superblock;
        this.state = state;
        this.room = room;
    }

    /** Times the store grew by itself since the open, and the time growing took. */
    record GrowthStats(long steps, long nanos) {
    }

    GrowthStats growthStats() {
        return new GrowthStats(growths, growthNanos);
    }

    void growWith(StoreGrowth policy) {
        growth = policy;
    }

    /**
     * Chunks copied data may not take: at least the room the tree keeps ({@link TreeRoom}), and a share of
     * the store, so that the entries of the copies that took their chunks just before it filled still go in
     * (two chunks a block in format 3).
     */
    private long dataFloor() {
        long chunkCount = state.chunkCount();
        long share = superblock.layout().mirrored ? Math.max(64, chunkCount / 128) : Math.max(32, chunkCount / 256);
        return Math.max(share, room.keptFromData());
    }

    /** A chunk for copied data, above the data floor. */
    long allocateData() throws StoreFullException {
        growIfLow();
        SpaceMap space = state.space();
        if (space.freeChunks() <= dataFloor()) {
            throw new StoreFullException(state.chunkCount());
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
        long chunkCount = state.chunkCount();
        long lowWater = dataFloor() + chunkCount / 16;
        if (!superblock.layout().sizesInCommits || state.space().freeChunks() > lowWater) {
            return;
        }
        long chunkSize = superblock.chunkSize();
        long limit = growth.limitBytes(chunkCount * chunkSize, usedBytes()) / chunkSize;
        long target = Math.min(limit, chunkCount + Math.max(chunkCount / 4, MIN_GROWTH_CHUNKS));
        if (target <= chunkCount) {
            if (growthStoppedAt != chunkCount && growth != StoreGrowth.FIXED) {
                growthStoppedAt = chunkCount;
                LOG.warn("exception store on {} is at its size limit ({} bytes) and cannot grow further; when it is"
                        + " full, the store-full policy applies", device, chunkCount * chunkSize);
            }
            return;
        }
        long started = System.nanoTime();
        try {
            if (!device.grow(target * chunkSize)) {
                return; // a raw device: adoptDeviceSize takes its new size once it was extended
            }
            state.space().grow(target);
            growths++;
            growthNanos += System.nanoTime() - started;
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("exception store on {} could not grow to {} bytes: {}", device, target * chunkSize,
                    e.getMessage());
            return;
        }
        LOG.info("exception store on {} grew from {} to {} bytes", device, chunkCount * chunkSize,
                target * chunkSize);
        state.grewTo(target);
    }

    /**
     * Adopts the size its device has now (a raw device extended with
     * lvextend, say): the new chunks join the space map in the open
     * transaction. Returns the bytes added.
     */
    long adoptDeviceSize() throws IOException {
        if (!superblock.layout().sizesInCommits) {
            throw new StoreException("this store has format version " + superblock.version + ", which cannot"
                    + " grow; only stores made in format 3 or later (every store created now) can");
        }
        long chunkSize = superblock.chunkSize();
        long chunkCount = state.chunkCount();
        long target = device.size() / chunkSize;
        if (target <= chunkCount) {
            throw new StoreException("the store's device is " + device.size() + " bytes and the store already"
                    + " uses all of it; extend the device first (lvextend, or a larger partition)");
        }
        try {
            state.space().grow(target);
        } catch (IllegalArgumentException e) {
            throw new StoreException(e.getMessage() + ": the space map index is full; use larger chunks");
        }
        long added = (target - chunkCount) * chunkSize;
        LOG.info("exception store on {} adopted its device's new size: {} bytes (+{})", device,
                target * chunkSize, added);
        state.grewTo(target);
        return added;
    }

    /** What to do when the store fills: its limit can be raised, or its device must be extended first. */
    String makeRoom() {
        return (spaceUse().canGrow() ? Remedy.MAKE_ROOM : Remedy.MAKE_ROOM_ON_DEVICE).advice();
    }

    StoreSpace spaceUse() {
        long size = state.chunkCount() * superblock.chunkSize();
        long limit = superblock.layout().sizesInCommits ? Math.max(size, growth.limitBytes(size, usedBytes()))
                : size;
        return new StoreSpace(usedBytes(), size, limit);
    }

    private long usedBytes() {
        return (state.chunkCount() - state.space().freeChunks()) * superblock.chunkSize();
    }

    /**
     * Logs a warning when use crosses 80% or 90% of the limit, once per
     * crossing: use hovers around a threshold as commits free old metadata,
     * so falling back counts only 5 points under it.
     */
    private void watchSpace() {
        StoreSpace now = spaceUse();
        int level = now.warningLevel();
        if (level > warnedLevel) {
            LOG.warn("exception store on {} is {}% full: {} bytes used of a limit of {} ({}); at 100% the"
                    + " store-full policy applies: {}", device, now.percentOfLimit(), now.usedBytes(),
                    now.limitBytes(), now.canGrow() ? "it grows toward the limit as needed" : "it cannot grow",
                    makeRoom());
            warnedLevel = level;
        } else if (level < warnedLevel && now.percentOfLimit() < warnedLevel - 5) {
            LOG.info("exception store on {} is back under {}% of its limit", device, warnedLevel);
            warnedLevel = level;
        }
    }
}
