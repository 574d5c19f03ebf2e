package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/**
 * Writers on a pool of two workers (as the iSCSI command workers, a
 * ForkJoinPool) that each change the store and commit: a worker waiting for
 * the commit under way is stood in for, so the waiting changes all meet in
 * the next commit instead of two at a time.
 */
class CommitSharingTest {

    private static final int CHUNK = 4096;
    private static final int WRITERS = 16;

    @Test
    void writersWaitingForACommitAreStoodInForAndShareTheNext() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(4 << 20);
        SharedExceptionStore.format(device, CHUNK, 64L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        device.flushDelayMillis(200); // a slow disk: the commit under way is long enough to gather the rest
        long before = store.commitStats().commits();
        ForkJoinPool workers = new ForkJoinPool(2, ForkJoinPool.defaultForkJoinWorkerThreadFactory, null, true, 0,
                WRITERS + 2, 1, pool -> true, 30, TimeUnit.SECONDS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < WRITERS; i++) {
                String name = "s" + i;
                done.add(workers.submit(() -> {
                    store.createSnapshot(name);
                    store.commit();
                    return null;
                }));
            }
            for (Future<?> writer : done) {
                writer.get(60, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdown();
        }
        long commits = store.commitStats().commits() - before;
        assertEquals(WRITERS, store.snapshots().size());
        // Two at a time (no standing in) would take 8 commits or more; the first goes alone, the rest share.
        assertTrue(commits <= 4, WRITERS + " writers took " + commits + " commits");
    }
}
