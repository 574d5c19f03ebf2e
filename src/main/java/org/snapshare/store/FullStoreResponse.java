package org.snapshare.store;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/**
 * What a full store does to a copy it has no room for, by its store-full
 * policy (docs/STORE.md, "Store full"): the origin write fails, or the
 * snapshots that needed the copy become invalid and the write goes ahead.
 * Called under the store's lock.
 */
final class FullStoreResponse {

    private static final Logger LOG = LoggerFactory.getLogger(FullStoreResponse.class);
    /** A full store refuses every write that needs a copy: one report a minute, with their count, is enough. */
    static final long REPORT_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final BlockDevice device;
    private final Superblock superblock;
    private final StoreState state;
    private final StoreCapacity capacity;
    private final StoreFullPolicy policy;
    private boolean reported;
    private long reportedAt;
    private long refusedSinceReport;

    FullStoreResponse(BlockDevice device, Superblock superblock, StoreState state, StoreCapacity capacity,
            StoreFullPolicy policy) {
        this.device = device;
        this.superblock = superblock;
        this.state = state;
        this.capacity = capacity;
        this.policy = policy;
    }

    /** No room for the copy the snapshots {@code ids} need: throws {@code full} or invalidates them. */
    void copyRefused(IdRange ids, StoreFullException full) throws StoreException {
        long storeBytes = state.chunkCount() * superblock.chunkSize();
        if (policy == StoreFullPolicy.FAIL_WRITES) {
            refusedSinceReport++;
            long now = System.nanoTime();
            if (!reported || now - reportedAt >= REPORT_EVERY_NANOS) {
                LOG.error("exception store on {} is full ({} bytes, its limit): origin writes that need a copy fail"
                        + " (store-full policy: fail writes; {} refused since the last report, reported at most"
                        + " once a minute); {}", device, storeBytes, refusedSinceReport, capacity.makeRoom());
                reported = true;
                reportedAt = now;
                refusedSinceReport = 0;
            }
            throw full;
        }
        List<String> invalidated = state.invalidateLive(ids);
        if (invalidated.isEmpty()) {
            return; // a copy under way for snapshots invalidated already: that was reported then
        }
        LOG.error("exception store on {} is full ({} bytes, its limit): snapshots {} are now invalid, since"
                + " they needed a copy of an origin chunk that was overwritten (store-full policy: invalidate"
                + " snapshots); delete them, and before the next ones fill it: {}", device, storeBytes,
                SnapshotTable.fewOf(invalidated), capacity.makeRoom());
    }
}
