package org.snapshare.snapshot;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;
import org.snapshare.store.StoreException;

/**
 * The snapshot-table changes of a tree of snapshots (docs/SNAPSHOTS.md,
 * "Snapshots of snapshots"): a snapshot of a snapshot, and a snapshot reset to
 * what its parent reads now. Each is one table change, committed with no
 * write to the volume in flight (every chunk lock held), so a crash leaves
 * it whole or not at all. The caller holds the core's monitor and the cluster gate.
 */
final class NestedSnapshots {

    private final VolumeIo io;
    private final String volume;

    NestedSnapshots(VolumeIo io, String volume) {
        this.io = io;
        this.volume = volume;
    }

    /** A snapshot of {@code parent}, {@code sizeBytes} long (the parent's size). */
    SnapshotInfo createOf(String name, SnapshotInfo parent, long sizeBytes, UUID identity, Instant created)
            throws SnapshotException, IOException {
        if (parent.state() != SnapshotState.LIVE) {
            throw new SnapshotException("snapshot " + parent.name() + " of volume " + volume + " is "
                    + parent.state().name().toLowerCase() + "; snapshots can only be taken of a live snapshot");
        }
        try (ChunkLocks.Held quiet = everyChunk()) {
            SnapshotInfo info = refusedAsSnapshotException(() -> io.store().createSnapshot(name, sizeBytes,
                    identity, created, parent.id()));
            io.store().commit(); // flushes the store: the parent's data so far is durable with the snapshot
            return info;
        }
    }

    /**
     * {@code old} starts again as what its parent reads now, {@code sizeBytes} long: a new snapshot of the
     * parent under its name (a new id and identity), while the old one is renamed NAME.ID and deleted; the
     * snapshots taken of the old one keep reading it (it stays, unserved, while they live).
     */
    SnapshotInfo reset(SnapshotInfo old, long sizeBytes) throws SnapshotException, IOException {
        ExceptionStore store = io.store();
        if (old.parentId() != 0) { // deleted or reset since, it is kept for this one: reset to what it holds
            SnapshotInfo parent = store.snapshot(old.parentId()).orElseThrow();
            if (parent.state() == SnapshotState.INVALID) {
                throw new SnapshotException("snapshot " + old.name() + " of volume " + volume + " was taken of "
                        + parent.name() + ", which is invalid (its copies were dropped): there is nothing to reset"
                        + " it to; delete it instead");
            }
        }
        try (VolumeIo.Quiesced origin = io.quiesceOrigin(); ChunkLocks.Held quiet = everyChunk()) {
            io.origin().flush(); // a snapshot of the origin: what was written before is durable with it
            SnapshotInfo fresh = refusedAsSnapshotException(() -> store.atomically(() -> {
                store.renameSnapshot(old.id(), old.name() + "." + old.id()); // '.' is in no snapshot's own name
                // Taken while the old one lives: a deleted parent stays kept for it (a reset of a reset's child).
                SnapshotInfo made = store.createSnapshot(old.name(), sizeBytes, UUID.randomUUID(), Instant.now(),
                        old.parentId());
                store.setSnapshotState(old.id(), SnapshotState.DELETING);
                return made;
            }));
            store.commit();
            return fresh;
        }
    }

    /** Every chunk lock of the volume, exclusively: no read or write of any of its LUNs in flight. */
    private ChunkLocks.Held everyChunk() {
        return io.locks.lock(0, Long.MAX_VALUE, true);
    }

    private interface TableChange {
        SnapshotInfo run() throws IOException;
    }

    private static SnapshotInfo refusedAsSnapshotException(TableChange change) throws SnapshotException, IOException {
        try {
            return change.run();
        } catch (StoreException refused) {
            throw new SnapshotException(refused.getMessage());
        }
    }
}
