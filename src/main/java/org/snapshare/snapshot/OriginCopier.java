package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.snapshare.store.DataChecksum;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.IdRange;

/**
 * The copy-on-write step before an origin chunk changes (docs/SNAPSHOTS.md, "Origin
 * write"): the live snapshots lacking a copy are grouped into maximal id
 * ranges, the old chunk is read once and written to one store chunk per
 * range. The caller holds the chunk's lock and commits before it writes the
 * origin.
 */
final class OriginCopier {

    private final ChunkData data;
    /** Chunks copied for snapshots since the volume was opened (metrics). */
    final java.util.concurrent.atomic.AtomicLong copies = new java.util.concurrent.atomic.AtomicLong();

    OriginCopier(ChunkData data) {
        this.data = data;
    }

    /** Copies the chunk for the snapshots that still share it; true when the store changed. */
    boolean preserve(long chunk) throws IOException {
        // Atomic: a commit by another thread must not catch a chunk allocated before its entry exists.
        return data.store.atomically(() -> copy(chunk));
    }

    /** True when a live snapshot still reads this chunk from the origin. */
    boolean shared(long chunk) throws IOException {
        return !data.store.rangesLackingCopy(chunk).isEmpty();
    }

    private boolean copy(long chunk) throws IOException {
        List<IdRange> ranges = data.store.rangesLackingCopy(chunk);
        if (ranges.isEmpty()) {
            return false;
        }
        ByteBuffer old = data.readOrigin(chunk);
        long checksum = DataChecksum.of(old);
        for (IdRange range : ranges) {
            // Empty when the store is full and the policy invalidated these snapshots instead.
            Optional<Long> copy = data.store.allocateCopy(range);
            if (copy.isPresent()) {
                data.writeCopy(copy.get(), old, checksum);
                data.store.addEntry(new ExceptionEntry(chunk, range.from(), range.to(), copy.get(), checksum));
                copies.incrementAndGet();
            }
        }
        return true;
    }
}
