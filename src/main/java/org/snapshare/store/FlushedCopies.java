package org.snapshare.store;

import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/**
 * Takes copy-on-write copies out of the page cache once their commit made
 * them durable (docs/PERFORMANCE.md, "Copies leave the cache at their
 * commit"): they are seldom read soon, and pages given back at once are the
 * ones the next copies are written into, where pages never used before cost
 * far more (a virtual machine's host hands them out page by page). The
 * pages are clean by then, so nothing is lost; a copy read later comes from
 * the disk.
 */
final class FlushedCopies {

    private static final Logger LOG = LoggerFactory.getLogger(FlushedCopies.class);

    private FlushedCopies() {
    }

    /** Drops the cached pages of {@code chunks}, one call per run of neighbouring chunks. */
    static void leaveCache(BlockDevice device, int chunkSize, List<Long> chunks) {
        if (chunks.isEmpty()) {
            return;
        }
        long[] sorted = chunks.stream().mapToLong(Long::longValue).sorted().toArray();
        long runStart = sorted[0];
        long runEnd = runStart + 1;
        try {
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] > runEnd) {
                    device.dropCache(runStart * chunkSize, (runEnd - runStart) * chunkSize);
                    runStart = sorted[i];
                }
                runEnd = sorted[i] + 1;
            }
            device.dropCache(runStart * chunkSize, (runEnd - runStart) * chunkSize);
        } catch (IOException e) {
            // Only a hint: the copies are durable; they stay cached until the kernel needs the memory.
            LOG.debug("{}: copies stay in the page cache: {}", device, e.getMessage());
        }
    }
}
