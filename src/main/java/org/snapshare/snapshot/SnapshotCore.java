package org.snapshare.snapshot;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;
import org.snapshare.store.ClusterLock;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.Remedy;
import org.snapshare.store.SingleNodeLock;
import org.snapshare.store.StoreSpace;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;

/**
 * The snapshot core of one volume: its origin and its snapshots as logical
 * units over one shared exception store, snapshot create/delete/rollback,
 * and the background work (delete, rollback) that resumes after a restart.
 */
public final class SnapshotCore implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCore.class);

    /** How long a command waits for a clustered volume's lock before it is answered "retry". */
    public static final Duration DEFAULT_TAKE_TIMEOUT = Duration.ofSeconds(5);

    private final String volume;
    private final long uniqueId;
    /** The origin's unit itself (served wrapped in its gate): its size is the volume's. */
    private final OriginUnit rawOrigin;
    private final OriginResize resizing;
    private final VolumeIo io;
    private final ClusterGate gate;
    private final LogicalUnit originUnit;
    private final BackgroundDelete deleter;
    private final NestedSnapshots nested;
    private final Thread deleterThread;
    private final WriteBackFlusher flusher;
    private final SnapshotRows rows;
    private final ScrubSlot scrubs;
    private final RollbackSlot rollbacks;

    /** Serves {@code origin} with the snapshots in {@code store} on a single node; resumes interrupted work. */
    public SnapshotCore(String volume, long uniqueId, BlockDevice origin, ExceptionStore store, Path rollbackJournal)
            throws IOException {
        this(volume, uniqueId, origin, store, rollbackJournal, new SingleNodeLock(), DEFAULT_TAKE_TIMEOUT);
    }

    /**
     * Serves the volume under {@code lock}: every command and every step of
     * background work runs while this node holds it (see ClusterGate). If
     * the lock is free now this node takes it and resumes interrupted work;
     * otherwise the first command takes it.
     */
    public SnapshotCore(String volume, long uniqueId, BlockDevice origin, ExceptionStore store, Path rollbackJournal,
            ClusterLock lock, Duration takeTimeout) throws IOException {
        this.volume = volume;
        this.uniqueId = uniqueId;
        long sizeBytes = origin.size() - origin.size() % LogicalUnit.BLOCK_SIZE;
        this.gate = new ClusterGate(volume, lock, takeTimeout, new VolumeTenure());
        ChunkData data = new ChunkData(new FencedDevice(origin, gate::holds, volume), store, sizeBytes);
        if (data.originChunks() < store.originChunks()) {
            throw new IOException("volume " + volume + ": the origin has " + data.originChunks()
                    + " chunks but its exception store records an origin of " + store.originChunks()
                    + "; the volume's files do not belong together");
        }
        this.io = new VolumeIo(data);
        this.rawOrigin = new OriginUnit(io, sizeBytes, uniqueId);
        this.resizing = new OriginResize(volume, io, gate, rawOrigin);
        this.originUnit = new GatedUnit(rawOrigin, gate);
        this.rollbacks = new RollbackSlot(io, gate, volume, rollbackJournal);
        this.deleter = new BackgroundDelete(data, io.locks, volume, gate);
        this.nested = new NestedSnapshots(io, volume);
        this.rows = new SnapshotRows(io, deleter);
        this.scrubs = new ScrubSlot(io, gate, volume);
        this.deleterThread = new Thread(deleter, "delete-" + volume);
        deleterThread.setDaemon(true);
        this.flusher = new WriteBackFlusher(io, gate, volume);
        try {
            gate.enter(Duration.ZERO).close(); // the first node up holds the lock and resumes the work
        } catch (UnitUnavailableException heldElsewhere) {
            LOG.info("volume {}: another node holds the cluster lock; this node takes it when work arrives", volume);
        }
        if (data.originChunks() > store.originChunks()) {
            resizing.completeInterrupted();
        }
        deleterThread.start();
        flusher.start();
    }

    /** Holds deferred origin writes against {@code shared}, the server's budget (docs/SNAPSHOTS.md). */
    public void writeBackBudget(WriteBackBudget shared) {
        io.pending.budget(shared);
    }

    /**
     * Grows the volume online to {@code newSizeBytes} (see {@link OriginResize});
     * the caller tells initiators (CAPACITY DATA HAS CHANGED).
     */
    public synchronized void resize(long newSizeBytes) throws SnapshotException, IOException {
        resizing.resize(newSizeBytes);
    }

    /** Another node resized the volume to {@code newSizeBytes}: serve that size; true when it changed here. */
    public synchronized boolean adoptSize(long newSizeBytes) throws IOException {
        return resizing.adopt(newSizeBytes);
    }

    /** A tenure of the lock: start from what is on disk, and leave everything there at the end. */
    private final class VolumeTenure implements ClusterGate.Tenure {

        @Override
        public void begin(ClusterLock.Grant grant) throws IOException {
            rollbacks.stop(); // left running by a tenure that was lost, not ended
            flusher.dropUnwritable(); // held by a tenure that was lost, not ended
            store().takeOver(grant);
            if (grant.othersHeldSince()) {
                io.origin().dropCache(0, io.origin().size());
            }
            rollbacks.resume(SnapshotCore.this::sizeOf);
        }

        @Override
        public void started() {
            rollbacks.runInstalled();
            deleter.wake();
        }

        @Override
        public void end() throws IOException {
            rollbacks.stop(); // it saves its cursor; the next holder resumes from the journal
            io.writeBackPending();
            store().commit();
            io.origin().flush();
            store().flush();
        }
    }

    public LogicalUnit origin() {
        return originUnit;
    }

    public long sizeBytes() {
        return rawOrigin.sizeBytes();
    }

    ExceptionStore store() {
        return io.store();
    }

    /**
     * The snapshots to serve as LUNs: live and invalid ones (their reads fail, visibly), no internal one. A node
     * not holding the volume's cluster lock reads the table from the disk, as the holder left it.
     */
    public Map<String, LogicalUnit> servedSnapshots() throws IOException {
        Map<String, LogicalUnit> units = new LinkedHashMap<>();
        for (SnapshotInfo info : gate.holds() ? store().snapshots() : store().snapshotsOnDisk()) {
            boolean served = info.state() == SnapshotState.LIVE || info.state() == SnapshotState.INVALID;
            if (served && !InternalSnapshots.isInternal(info.name())) {
                units.put(info.name(), unitOf(info));
            }
        }
        return units;
    }

    private LogicalUnit unitOf(SnapshotInfo info) {
        return new GatedUnit(new SnapshotUnit(io, info.id(), sizeOf(info), uniqueId), gate);
    }

    /** A snapshot's size: the volume's when it was taken. */
    private long sizeOf(SnapshotInfo info) {
        return info.sizeBytes() > 0 ? info.sizeBytes() : sizeBytes(); // 0: a store before volumes could grow
    }

    /** A point-in-time snapshot of the origin: in-flight origin writes finish first, new ones wait. */
    public LogicalUnit createSnapshot(String name) throws SnapshotException, IOException {
        return createSnapshot(name, UUID.randomUUID(), Instant.now());
    }

    /**
     * A snapshot with a given identity and creation time: a received
     * snapshot keeps its source's (docs/STREAM.md). Stores before format 4
     * cannot keep an identity and derive one (see keepsSnapshotIdentities).
     */
    public synchronized LogicalUnit createSnapshot(String name, UUID identity, Instant created)
            throws SnapshotException, IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return createSnapshotHeld(name, identity, created);
        }
    }

    private LogicalUnit createSnapshotHeld(String name, UUID identity, Instant created)
            throws SnapshotException, IOException {
        requireNameFree(name);
        if (io.rollback() != null) {
            throw new SnapshotException("volume " + volume + " is being rolled back to snapshot "
                    + io.rollback().snapshotName + "; take snapshots when it has finished");
        }
        try (VolumeIo.Quiesced quiet = io.quiesceOrigin()) {
            io.origin().flush(); // what was written before the snapshot is durable with it
            SnapshotInfo info = store().createSnapshot(name, sizeBytes(), identity, created);
            store().commit();
            LOG.info("volume {}: created snapshot {} (id {})", volume, name, info.id());
            return unitOf(info);
        }
    }

    private void requireNameFree(String name) throws SnapshotException {
        if (store().snapshot(name).isPresent()) {
            throw new SnapshotException(SnapshotException.Reason.EXISTS, "volume " + volume
                    + " already has a snapshot named " + name);
        }
    }

    /**
     * A point-in-time snapshot of snapshot {@code parentName} (format 6): it
     * reads what the parent reads until either is written; writes to the
     * volume wait while it is taken.
     */
    public LogicalUnit createSnapshotOf(String name, String parentName) throws SnapshotException, IOException {
        return createSnapshotOf(name, parentName, UUID.randomUUID(), Instant.now());
    }

    /** ... with a given identity and creation time: a received snapshot keeps its source's. */
    public synchronized LogicalUnit createSnapshotOf(String name, String parentName, UUID identity, Instant created)
            throws SnapshotException, IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            SnapshotInfo parent = existing(parentName);
            requireNameFree(name);
            SnapshotInfo info = nested.createOf(name, parent, sizeOf(parent), identity, created);
            LOG.info("volume {}: created snapshot {} (id {}) of snapshot {}", volume, name, info.id(), parentName);
            return unitOf(info);
        }
    }

    /**
     * Snapshot {@code name} starts again as what its parent reads now (the
     * origin, for a snapshot of the origin): a new point in time under the
     * same name; the old one is deleted in the background, or kept unserved
     * while snapshots taken of it live. Served by a new unit.
     */
    public synchronized LogicalUnit resetSnapshot(String name) throws SnapshotException, IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            SnapshotInfo old = existing(name);
            if (old.state() == SnapshotState.DELETING) {
                throw new SnapshotException("snapshot " + name + " of volume " + volume + " is being deleted");
            }
            if (io.rollback() != null) {
                throw new SnapshotException("volume " + volume + " is being rolled back to snapshot "
                        + io.rollback().snapshotName + "; reset snapshots when it has finished");
            }
            long size = old.parentId() == 0 ? sizeBytes() : sizeOf(store().snapshot(old.parentId()).orElseThrow());
            SnapshotInfo fresh = nested.reset(old, size);
            deleter.wake();
            LOG.info("volume {}: reset snapshot {} to its parent (id {} now; the old id {} is deleted)", volume, name,
                    fresh.id(), old.id());
            return unitOf(fresh);
        }
    }

    /**
     * Marks the snapshot deleted; background delete reclaims its chunks, once no
     * live snapshot taken of it (at any depth) reads them.
     */
    public synchronized void deleteSnapshot(String name) throws SnapshotException, IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            deleteSnapshotHeld(name);
        }
    }

    private void deleteSnapshotHeld(String name) throws SnapshotException, IOException {
        SnapshotInfo info = existing(name);
        if (info.state() == SnapshotState.DELETING) {
            throw new SnapshotException("snapshot " + name + " of volume " + volume + " is already being deleted");
        }
        if (io.rollback() != null && io.rollback().snapshotId == info.id()) {
            throw new SnapshotException("the origin of volume " + volume + " is being rolled back to snapshot "
                    + name + "; delete it when the rollback has finished");
        }
        store().setSnapshotState(info.id(), SnapshotState.DELETING);
        store().commit();
        deleter.wake();
        LOG.info("volume {}: deleted snapshot {} (id {}); its chunks are reclaimed in the background", volume,
                name, info.id());
    }

    /** Renames a snapshot (a received one takes its own name once its stream is written); its target changes. */
    public synchronized void renameSnapshot(String name, String newName) throws SnapshotException, IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            SnapshotInfo info = existing(name);
            requireNameFree(newName);
            store().renameSnapshot(info.id(), newName);
            store().commit();
        }
    }

    /** Starts rolling the origin back to the snapshot's content, online; progress in {@link #snapshots()}. */
    public synchronized void rollback(String name) throws SnapshotException, IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            rollbackHeld(name);
        }
    }

    private void rollbackHeld(String name) throws SnapshotException, IOException {
        SnapshotInfo info = existing(name);
        if (info.state() != SnapshotState.LIVE) {
            throw new SnapshotException("snapshot " + name + " of volume " + volume + " is "
                    + info.state().name().toLowerCase() + "; only a live snapshot can be rolled back to");
        }
        if (io.rollback() != null) {
            throw new SnapshotException("volume " + volume + " is already being rolled back to snapshot "
                    + io.rollback().snapshotName + "; wait for it to finish");
        }
        try (VolumeIo.Quiesced quiet = io.quiesceOrigin()) { // no origin write in flight while it begins
            rollbacks.begin(info, sizeOf(info));
        }
        LOG.info("volume {}: rolling the origin back to snapshot {}", volume, name);
    }

    /** True while a rollback is running (or stopped by an error, until a restart resumes it). */
    public boolean rollingBack() {
        return io.rollback() != null;
    }

    /** A live snapshot, as the table has it (its id, identity, size and creation time). */
    public SnapshotInfo liveSnapshot(String name) throws SnapshotException, IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            SnapshotInfo info = existing(name);
            if (info.state() != SnapshotState.LIVE) {
                throw new SnapshotException("snapshot " + name + " of volume " + volume + " is "
                        + info.state().name().toLowerCase() + ", not live");
            }
            return info;
        }
    }

    /** The snapshot with this identity, live or not, if the volume has one. */
    public Optional<SnapshotInfo> snapshotWithIdentity(UUID identity) throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return store().snapshots().stream().filter(info -> info.identity().equals(identity)).findFirst();
        }
    }

    /** Whether a snapshot of that name exists, in any state (names stay taken until background delete ends). */
    public boolean hasSnapshot(String name) throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return store().snapshot(name).isPresent();
        }
    }

    /** Why the running rollback stopped, if an error stopped it (a restart resumes it). */
    public Optional<String> rollbackFailure() {
        return rollbacks.failure();
    }

    /** Whether snapshots can be given an identity (format 4): what receiving one needs. */
    public boolean keepsSnapshotIdentities() {
        return store().keepsSnapshotIdentities();
    }

    /** The live snapshot as a unit to read (an export reads through it, like an initiator). */
    public LogicalUnit snapshotUnit(String name) throws SnapshotException, IOException {
        return unitOf(liveSnapshot(name));
    }

    /**
     * Where {@code to} (a snapshot; empty: the origin) differs from {@code from}
     * (a snapshot; empty: from nothing, every byte), from the store's entries
     * alone; the walk steps through the tree while I/O goes on.
     */
    public VolumeDiff diff(Optional<String> from, Optional<String> to) throws SnapshotException, IOException {
        Optional<SnapshotInfo> fromInfo = from.isPresent() ? Optional.of(liveSnapshot(from.get())) : Optional.empty();
        Optional<SnapshotInfo> toInfo = to.isPresent() ? Optional.of(liveSnapshot(to.get())) : Optional.empty();
        if (to.isEmpty() && io.rollback() != null) {
            throw new SnapshotException("the origin of volume " + volume + " is being rolled back to snapshot "
                    + io.rollback().snapshotName + "; compare with it when that has finished");
        }
        return new DiffScan(store(), gate, volume).run(fromInfo, toInfo, sizeBytes());
    }

    private SnapshotInfo existing(String name) throws SnapshotException {
        return store().snapshot(name).orElseThrow(() -> noSnapshot(volume, name));
    }

    /** The refusal of a request that names a snapshot the volume does not have. */
    public static SnapshotException noSnapshot(String volume, String name) {
        return new SnapshotException(SnapshotException.Reason.NOT_FOUND, "volume " + volume
                + " has no snapshot named " + name + "; " + Remedy.LIST_SNAPSHOTS.advice(volume));
    }

    /** Every snapshot with its state, the space only it uses, and background work on it. */
    public List<SnapshotStatus> snapshots() throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return rows.rows();
        }
    }

    /**
     * Every snapshot's name and state, in the table's order, from the table
     * alone: what schedules and replication look at every second or two,
     * without the space accounting of {@link #snapshots} (a walk of the whole
     * tree in formats 1 and 2).
     */
    public Map<String, SnapshotStatus.State> snapshotStates() throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            return rows.states();
        }
    }

    /** The running rollback's progress line, or empty when no rollback runs. */
    public Optional<String> rollbackStatus() {
        return rows.rollbackStatus();
    }

    /** Background work in progress on this volume, one line each; empty when idle. */
    public List<String> backgroundWork() {
        List<String> work = new ArrayList<>();
        if (deleter.busy()) {
            work.add(deleter.progress());
        }
        rollbackStatus().ifPresent(work::add);
        scrubs.running().ifPresent(work::add);
        return work;
    }

    /**
     * Starts an online scrub of the volume's store, reading at most
     * {@code bytesPerSecond}; one at a time per volume.
     */
    public synchronized void startScrub(long bytesPerSecond) throws SnapshotException {
        scrubs.start(bytesPerSecond);
    }

    /** The running or last scrub's status (see {@link Scrub#status}); empty when none ran since the open. */
    public Optional<String> scrubStatus() {
        return scrubs.last().map(Scrub::status);
    }

    /** How far the running scrub is, 0..1; empty when none runs. */
    public Optional<Double> scrubProgress() {
        return scrubs.last().flatMap(Scrub::fraction);
    }

    /** Why the last scrub stopped, if an error stopped it. */
    public Optional<String> scrubFailure() {
        return scrubs.last().flatMap(Scrub::failure);
    }

    /** How far background delete is, 0..1, while it has deleted snapshots to reclaim; empty when idle. */
    public Optional<Double> reclaimProgress() {
        return deleter.fraction();
    }

    /** Why background delete stopped, if an error stopped it (a restart resumes it). */
    public Optional<String> reclaimFailure() {
        return deleter.failure();
    }

    /** Damaged metadata copies this node rewrote from their good twin since the volume was opened. */
    public long metadataHeals() {
        return store().heals();
    }

    /** Mounts of the volume's store that found its newest commit cut off by a crash (see {@link ExceptionStore}). */
    public long cutOffCommits() {
        return store().cutOffCommits();
    }

    /** The copy unit of the volume's store, in bytes. */
    public int chunkSize() {
        return store().chunkSize();
    }

    /** Chunks copied for snapshots (copy-on-write) since the volume was opened. */
    public long copiedChunks() {
        return io.copiedChunks();
    }

    /** Bytes of origin writes held until the commit of their snapshots' copies (docs/SNAPSHOTS.md). */
    public long deferredWriteBytes() {
        return io.pending.heldBytes();
    }

    /** The store's commits since the volume was opened, and their total time. */
    public ExceptionStore.CommitStats commitStats() {
        return store().commitStats();
    }

    /** True while background delete reclaims deleted snapshots' chunks on this node. */
    public boolean reclaiming() {
        return deleter.busy();
    }

    /** How far a rollback running on this node is, 0..1, or empty when none runs here. */
    public Optional<Double> rollbackProgress() {
        return rollbacks.progress();
    }

    /** Damaged metadata of the volume's store met since it was opened, if any. */
    public Optional<String> damage() {
        return store().damage();
    }

    /** This node's hold on the volume's cluster lock. */
    public LockStatus lockStatus() {
        return gate.validGrant()
                .map(grant -> new LockStatus(true, gate.heldFor(), grant.generation(), gate.handovers()))
                .orElseGet(() -> new LockStatus(false, Duration.ZERO, 0, gate.handovers()));
    }

    /**
     * Makes the store take the whole of its device, grown since (a raw device
     * after lvextend); returns the bytes added.
     */
    public synchronized long growStore() throws IOException {
        try (ClusterGate.Pass pass = gate.enter()) {
            long added = store().adoptDeviceSize();
            store().commit();
            return added;
        }
    }

    /** Bytes of the exception store in use, its size, and the limit it may grow to. */
    public StoreSpace storeSpace() {
        return store().spaceUse();
    }

    /** Stops background work (it resumes on the next open), commits the store, flushes and closes both devices. */
    @Override
    public synchronized void close() throws IOException {
        deleter.stop();
        scrubs.stop();
        StoppedThreads.join(deleterThread);
        flusher.close();
        scrubs.join();
        rollbacks.close(); // it saves its cursor; the next open resumes it
        gate.close(); // commits and flushes what this node changed, then lets the lock go
        flusher.dropUnwritable(); // left only when the lock was lost or a commit failed
        try {
            store().close();
        } finally {
            try {
                io.origin().flush();
            } finally {
                io.origin().close();
            }
        }
    }
}
