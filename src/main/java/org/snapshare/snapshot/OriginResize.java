package org.snapshare.snapshot;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.StoreException;

/**
 * Growing a volume's origin online: on the node asked ({@link #resize}),
 * on the other nodes of a cluster once it is recorded ({@link #adopt}), and
 * at start after a crash cut one short ({@link #completeInterrupted}). The
 * origin device grows first, then the store learns the origin's new size in
 * a commit; snapshots keep the size they were taken with.
 */
final class OriginResize {

    private static final Logger LOG = LoggerFactory.getLogger(OriginResize.class);

    private final String volume;
    private final VolumeIo io;
    private final ClusterGate gate;
    /** The origin's unit itself: its size is the volume's. */
    private final OriginUnit origin;

    OriginResize(String volume, VolumeIo io, ClusterGate gate, OriginUnit origin) {
        this.volume = volume;
        this.io = io;
        this.gate = gate;
        this.origin = origin;
    }

    /** The origin grew but the store was not told (a crash inside a resize): tell it now, or refuse the volume. */
    void completeInterrupted() throws IOException {
        ExceptionStore store = io.store();
        try (ClusterGate.Pass pass = gate.enter()) {
            store.resizeOrigin(io.originChunks());
            store.commit();
            LOG.info("volume {}: completed a resize to {} bytes that a crash interrupted", volume,
                    origin.sizeBytes());
        } catch (StoreException e) {
            throw new IOException("volume " + volume + ": the origin has " + io.originChunks()
                    + " chunks but its exception store records an origin of " + store.originChunks() + " ("
                    + e.getMessage() + "); the volume's files do not belong together", e);
        }
    }

    /**
     * Grows the volume to {@code newSizeBytes}: the origin device first (a
     * file grows; a raw device must have been extended already), then the
     * store. A crash in between is completed at the next start. The caller
     * tells initiators (CAPACITY DATA HAS CHANGED).
     */
    void resize(long newSizeBytes) throws SnapshotException, IOException {
        long sizeBytes = origin.sizeBytes();
        if (newSizeBytes % LogicalUnit.BLOCK_SIZE != 0) {
            throw new SnapshotException("a volume's size must be a multiple of " + LogicalUnit.BLOCK_SIZE + " bytes");
        }
        if (newSizeBytes <= sizeBytes) {
            throw new SnapshotException("volume " + volume + " is " + sizeBytes + " bytes; "
                    + (newSizeBytes == sizeBytes ? "it has that size already" : "shrinking it to " + newSizeBytes
                    + " would cut off data its initiators wrote, so it is refused (make a smaller volume and copy"
                    + " what it needs)"));
        }
        try (ClusterGate.Pass pass = gate.enter()) {
            if (io.rollback() != null) {
                throw new SnapshotException("volume " + volume + " is being rolled back; resize it when that ends");
            }
            try (VolumeIo.Quiesced quiet = io.quiesceOrigin()) { // no origin write in flight meanwhile
                if (!io.origin().grow(newSizeBytes)) {
                    throw new SnapshotException("the origin device of volume " + volume + " is "
                            + io.origin().size() + " bytes and cannot grow by itself: extend it first (lvextend),"
                            + " then resize the volume");
                }
                io.origin().flush();
                growTo(newSizeBytes);
            }
        }
        LOG.info("volume {}: resized to {} bytes", volume, newSizeBytes);
    }

    /**
     * Another node of the cluster resized the volume to {@code newSizeBytes}:
     * serve that size. Under the lock, so the store read back from disk
     * agrees (and learns the size, if that node crashed before it could).
     * Returns whether the size changed here.
     */
    boolean adopt(long newSizeBytes) throws IOException {
        if (newSizeBytes <= origin.sizeBytes()) {
            return false;
        }
        try (ClusterGate.Pass pass = gate.enter()) {
            if (io.origin().size() < newSizeBytes) {
                throw new IOException("volume " + volume + " was resized to " + newSizeBytes + " bytes on another"
                        + " node, but its origin device is " + io.origin().size() + " bytes here: extend it on"
                        + " this node too (the device paths must name the same storage on every node)");
            }
            growTo(newSizeBytes);
        }
        LOG.info("volume {}: resized to {} bytes on another node; served at that size here", volume, newSizeBytes);
        return true;
    }

    /** The store first: until it has committed the origin's new size, the volume serves the old one. */
    private void growTo(long newSizeBytes) throws IOException {
        long chunks = (newSizeBytes + io.chunkSize() - 1) / io.chunkSize();
        if (io.store().originChunks() < chunks) {
            io.store().resizeOrigin(chunks);
            io.store().commit();
        }
        io.originResized(newSizeBytes);
        origin.resized(newSizeBytes);
    }
}
