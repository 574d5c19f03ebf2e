package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.Version;
import org.snapshare.cluster.SessionCounts;
import org.snapshare.iscsi.IscsiServer;
import org.snapshare.iscsi.TargetRegistry;
import org.snapshare.snapshot.CloneFill;
import org.snapshare.snapshot.InternalSnapshots;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;

/**
 * The running server: holds the data directory, opens its volumes, serves
 * each as an iSCSI target and answers the control socket.
 */
public final class Appliance implements Closeable, Metrics.Source {

    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    private final ApplianceConfig config;
    private final DataDirLock lock;
    /** Alone, or one node of a cluster. */
    private final Membership membership;
    private final VolumeCatalog catalog;
    private final Map<String, Volume> volumes = new TreeMap<>();
    private final TargetRegistry targets = new TargetRegistry();
    private final TargetExports exports;
    private final VolumeClones clones;
    private final ReadOnlyPolicy readOnly;
    private final Instant started = Instant.now();
    private IscsiServer iscsi;
    private ControlServer control;
    /** The LUN counters and the Prometheus endpoint; null when neither metrics-listen nor api-listen is set. */
    private Metrics metrics;
    private final Reports reports = new Reports(this);
    private final VolumeStreams streams;
    private final Jobs jobs = new Jobs();
    private final VolumeJobs volumeJobs = new VolumeJobs(this, jobs);
    private final Automation automation;
    private final ApiAccess apiAccess;

    private Appliance(ApplianceConfig config, DataDirLock lock, Membership membership, ApiAccess apiAccess)
            throws ConfigException {
        this.config = config;
        this.lock = lock;
        this.membership = membership;
        this.catalog = new VolumeCatalog(config.dataDir(), config.chunkSize(), config.storeFullPolicy(),
                config.damagedMetadataPolicy(), membership::lockFor);
        this.catalog.defaultStoreMaxBytes(config.storeMaxSize());
        config.originWriteBack().ifPresent(catalog::originWriteBack);
        config.metadataCache().ifPresent(catalog::metadataCache);
        this.readOnly = ReadOnlyPolicy.from(config);
        this.clones = new VolumeClones(catalog);
        this.exports = new TargetExports(config.iqnPrefix(), targets, catalog, membership, readOnly, () -> metrics);
        this.streams = new VolumeStreams(this, config.dataDir().resolve(RECEIVING_DIR));
        this.apiAccess = apiAccess;
        this.automation = new Automation(this, new ScheduleBook(config, catalog));
    }

    /** The data directory's folder of API secrets: tokens, the generated TLS pair (docs/DATA-DIR.md). */
    static final String API_DIR = "api";

    /** How fast a scrub reads unless told: a tenth or less of a disk; the volume's own I/O keeps the rest. */
    public static final String DEFAULT_SCRUB_RATE = "64M";

    /** Where imports stage their records until the stream is complete (docs/DATA-DIR.md). */
    static final String RECEIVING_DIR = "receiving";

    /** Opens the data directory, its volumes and both sockets; serves until {@link #close()}. */
    public static Appliance start(ApplianceConfig config) throws ConfigException, IOException {
        InetSocketAddress portal = config.portal();
        config.checkSettings(); // refuse bad settings before taking the data dir
        Optional<String> node = config.clusterNode();
        Duration sessionTimeout = config.clusterSessionTimeout();
        DataDirLock lock = DataDirLock.acquire(config.dataDir(), node, node.isPresent()
                ? "stop it first, or give this node another cluster-node" : "stop it first or use another --data-dir");
        Membership membership;
        try {
            membership = node.isEmpty() ? new LoneNode() : ClusterNode.join(config.clusterZookeeper().orElseThrow(),
                    node.get(), sessionTimeout, config.advertisedPortal().orElse(config.portalText()));
        } catch (IOException e) {
            lock.close();
            throw e;
        }
        Appliance appliance;
        try {
            appliance = new Appliance(config, lock, membership, new ApiAccess(
                    ApiTokens.open(config.dataDir().resolve(API_DIR)),
                    config.apiListen().isPresent() ? ApiCertificate.load(config) : null, config.apiUrl()));
        } catch (IOException | ConfigException | RuntimeException e) {
            membership.close();
            lock.close();
            throw e;
        }
        try {
            Optional<InetSocketAddress> metricsListen = config.metricsListen();
            if (metricsListen.isPresent() || config.apiListen().isPresent()) { // the console shows I/O rates
                appliance.metrics = Metrics.start(metricsListen, appliance);
            }
            appliance.openVolumes(config);
            appliance.streams.completeInterrupted(); // in a cluster, each by the node that claims it first
            appliance.targets.policy(ConfigAccessPolicy.from(config));
            config.advertisedPortal().ifPresent(appliance.targets::advertisedPortal);
            membership.tagPortals(appliance.targets);
            appliance.iscsi = new IscsiServer(portal, appliance.targets, config.connectionLimits());
            appliance.control = new ControlServer(config.controlSocket(), new ControlCommands(appliance)::handle);
            appliance.iscsi.start();
            appliance.control.start();
            membership.follow(appliance);
            appliance.automation.start();
            LOG.info("snapshare {} serving {} volume(s) from {}{}", Version.get(), appliance.volumes.size(),
                    config.dataDir().toAbsolutePath(), membership.describe());
            return appliance;
        } catch (IOException | ConfigException | RuntimeException e) {
            appliance.close();
            throw e;
        }
    }

    public InetSocketAddress portal() {
        return iscsi.boundAddress();
    }

    private void openVolumes(ApplianceConfig config) throws IOException, ConfigException {
        boolean firstStart = catalog.isNew();
        List<Volume> opened = catalog.openAll();
        clones.resumeAll(opened);
        for (Volume volume : opened) {
            export(volume);
        }
        if (firstStart && membership.alone()) { // a cluster's volumes are made on purpose, by one node
            String name = VolumeNames.check(config.defaultVolume());
            LOG.info("first start: creating volume {} of {}", name, Sizes.format(config.defaultVolumeSize()));
            export(catalog.create(name, config.defaultVolumeSize()));
        }
    }

    private void export(Volume volume) throws IOException {
        volumes.put(volume.name, volume);
        exports.export(volume);
    }

    @Override
    public int sessions() {
        return targets.sessionCount();
    }

    @Override
    public synchronized Map<String, SnapshotCore> volumes() {
        Map<String, SnapshotCore> cores = new TreeMap<>();
        volumes.forEach((name, volume) -> cores.put(name, volume.core()));
        return cores;
    }

    @Override
    public Map<String, Schedules.Outcome> scheduleOutcomes() {
        return automation.scheduleOutcomes();
    }

    @Override
    public Map<String, Replicator.State> replicationStates() {
        return automation.replicationStates();
    }

    /** Schedules, holds and replication. */
    public Automation automation() {
        return automation;
    }

    /** The port metrics are served on, if they are (tests ask for port 0). */
    public Optional<Integer> metricsPort() {
        return Optional.ofNullable(metrics).flatMap(Metrics::port);
    }

    /** Every LUN's I/O since start; empty when neither metrics nor the API are on (nothing counts then). */
    public List<LunIo> lunIo() {
        return metrics == null ? List.of() : metrics.io();
    }

    // What Reports reads, under this appliance's lock.

    TargetRegistry targets() {
        return targets;
    }

    ApplianceConfig config() {
        return config;
    }

    IscsiServer iscsi() {
        return iscsi;
    }

    Membership membership() {
        return membership;
    }

    Instant started() {
        return started;
    }

    String targetName(String volume) {
        return exports.targetName(volume);
    }

    String targetName(String volume, String snapshot) {
        return exports.targetName(volume, snapshot);
    }

    /** The served volume of that name, or the refusal a user sees. */
    synchronized Volume volumeNamed(String name) throws ConfigException {
        return volume(name);
    }

    /** The served volume of that name, if there is one. */
    synchronized Optional<Volume> served(String name) {
        return Optional.ofNullable(volumes.get(name));
    }

    /** The served volumes now, in name order (a copy). */
    synchronized List<Volume> volumesNow() {
        return new ArrayList<>(volumes.values());
    }

    /** The data directory's private folder of API secrets. */
    Path apiDir() {
        return config.dataDir().resolve(API_DIR);
    }

    Path volumeDir(String volume) {
        return catalog.volumeDir(volume);
    }

    private Volume volume(String name) throws ConfigException {
        Volume volume = volumes.get(name);
        if (volume == null) {
            throw new ConfigException(ConfigException.Reason.NOT_FOUND, "no volume named " + name
                    + "; `snapshare volume list` shows them");
        }
        return volume;
    }

    Set<String> heldSnapshots(String volumeName) throws IOException {
        return new SnapshotHolds(catalog.volumeDir(volumeName)).held();
    }

    Set<String> exportedSnapshots(Volume volume) {
        return exports.exportedSnapshots(volume);
    }

    /** This node's sessions on each volume served, with those on its snapshots. */
    synchronized Map<String, SessionCounts.Sessions> sessionCounts() {
        Map<String, SessionCounts.Sessions> counts = new TreeMap<>();
        volumes.values().forEach(volume -> counts.put(volume.name, new SessionCounts.Sessions(
                targets.sessionCount(targetName(volume.name)), exports.sessions(volume))));
        return counts;
    }

    public synchronized Outcomes.VolumeCreated createVolume(VolumeSpec spec) throws ConfigException, IOException {
        String name = spec.name();
        Volume volume = catalog.create(spec);
        export(volume);
        membership.created(name);
        LOG.info("created volume {} ({})", name, Sizes.format(volume.sizeBytes()));
        return new Outcomes.VolumeCreated(name, volume.sizeBytes(), targetName(name));
    }

    /**
     * A new volume that starts as {@code from} ("VOLUME@SNAPSHOT", or
     * "VOLUME" for its origin now) and copies it in the background
     * (docs/SNAPSHOTS.md, "Clones"); served at once.
     */
    public synchronized Outcomes.VolumeCreated cloneVolume(String name, String from)
            throws ConfigException, SnapshotException, IOException {
        VolumeNames.check(name);
        if (!membership.alone()) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "volume clone is not available in a cluster"
                    + " yet; `snapshare snapshot export` and `snapshot import` copy a snapshot into a new volume");
        }
        VolumeClones.From source = VolumeClones.From.parse(from);
        Volume clone = clones.create(name, volume(source.volume()), source);
        export(clone);
        return new Outcomes.VolumeCreated(name, clone.sizeBytes(), targetName(name));
    }

    public synchronized void deleteVolume(String name, boolean force) throws ConfigException, IOException {
        Volume volume = volume(name);
        VolumeClones.refuseWhileCopiedFrom(name, volumes.values());
        int sessions = exports.sessions(volume);
        Map<String, Integer> elsewhere = new TreeMap<>();
        membership.sessionsElsewhere(name).forEach((node, counts) -> elsewhere.put(node, counts.all()));
        sessions += elsewhere.values().stream().mapToInt(Integer::intValue).sum();
        if (sessions > 0 && !force) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "volume " + name + " has " + sessions
                    + " active session(s) on it and its snapshots" + (elsewhere.isEmpty() ? ""
                    : " (through other nodes: " + elsewhere + ")") + "; log them out first, or add --force to"
                    + " disconnect them");
        }
        exports.withdraw(volume);
        volumes.remove(name);
        volume.close();
        catalog.delete(name);
        VolumeClones.deleted(volume, volumes.values());
        LOG.info("deleted volume {}", name);
    }

    synchronized String listVolumes() {
        return reports.listVolumes();
    }

    public Outcomes.SnapshotCreated createSnapshot(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        return createSnapshot(volumeName, name, Optional.empty());
    }

    /** A snapshot of the origin, or of snapshot {@code from} of the same volume. */
    public synchronized Outcomes.SnapshotCreated createSnapshot(String volumeName, String name, Optional<String> from)
            throws ConfigException, SnapshotException, IOException {
        VolumeNames.checkSnapshot(name);
        Volume volume = volume(volumeName);
        if (from.isPresent()) {
            refuseInternal(volumeName, from.get());
        }
        LogicalUnit unit = from.isPresent() ? volume.core().createSnapshotOf(name, from.get())
                : volume.core().createSnapshot(name);
        String target = targetName(volumeName, name);
        exports.serveNewSnapshot(volume, name, unit);
        return new Outcomes.SnapshotCreated(volumeName, name, target);
    }

    /**
     * Snapshot {@code name} starts again as what its parent reads now (docs/SNAPSHOTS.md, "Snapshots of
     * snapshots"): its target is withdrawn and served again by the new point in time.
     */
    public synchronized Outcomes.SnapshotCreated resetSnapshot(String volumeName, String name, boolean force)
            throws ConfigException, SnapshotException, IOException {
        Volume volume = volume(volumeName);
        refuseWhileUsed(volumeName, name, force);
        exports.withdrawSnapshot(volumeName, name); // no I/O reaches the old point in time once it is replaced
        LogicalUnit unit;
        try {
            unit = volume.core().resetSnapshot(name);
        } catch (SnapshotException | IOException | RuntimeException e) {
            exports.serveSnapshots(volume); // nothing changed: the old one is served again
            throw e;
        }
        exports.serveNewSnapshot(volume, name, unit);
        return new Outcomes.SnapshotCreated(volumeName, name, targetName(volumeName, name));
    }

    /** Refuses to delete or reset a snapshot that initiators use (unless {@code force}) or that is held. */
    private void refuseWhileUsed(String volumeName, String name, boolean force) throws ConfigException, IOException {
        refuseInternal(volumeName, name);
        int sessions = targets.sessionCount(targetName(volumeName, name));
        if (sessions > 0 && !force) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "snapshot " + name + " has " + sessions
                    + " active session(s); log them out first, or add --force to disconnect them");
        }
        if (new SnapshotHolds(catalog.volumeDir(volumeName)).isHeld(name)) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "snapshot " + name + " of volume " + volumeName
                    + " is held; `snapshare snapshot release " + volumeName + " " + name + "` first");
        }
    }

    /** The user's verbs leave the server's own snapshots alone (docs/SNAPSHOTS.md, "Clones"). */
    private static void refuseInternal(String volumeName, String name) throws ConfigException {
        if (CloneFill.isSourceSnapshot(name)) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "snapshot " + name + " of volume " + volumeName
                    + " keeps the data of a clone while it copies; it goes by itself when the copy ends (`snapshare"
                    + " volume list` shows it), or when that clone is deleted");
        }
        if (InternalSnapshots.isInternal(name)) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "snapshot " + name + " of volume " + volumeName
                    + " is being received; it takes its own name when its stream is written");
        }
    }

    /** Serves a snapshot just made (or received) as its target, without a deleted namesake's reservations. */
    void serveNewSnapshot(String volumeName, String name, LogicalUnit unit) throws IOException {
        Volume volume = volumes.get(volumeName);
        if (volume == null) {
            throw new IOException("volume " + volumeName + " was deleted while its snapshot " + name + " arrived");
        }
        exports.serveNewSnapshot(volume, name, unit);
    }

    public synchronized void deleteSnapshot(String volumeName, String name, boolean force)
            throws ConfigException, SnapshotException, IOException {
        Volume volume = volume(volumeName);
        refuseWhileUsed(volumeName, name, force);
        volume.core().deleteSnapshot(name);
        exports.withdrawSnapshot(volumeName, name);
        FileReservationStore.of(catalog.volumeDir(volumeName), name).save(""); // reservations go with the target
    }

    /** Starts rolling the origin back to the snapshot, online; {@link #rollbackStatus} follows it. */
    synchronized void rollback(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        refuseInternal(volumeName, name);
        volume(volumeName).core().rollback(name);
    }

    /** Diffs, exports and imports. */
    public VolumeStreams streams() {
        return streams;
    }

    /** The long operations the API follows as jobs. */
    public VolumeJobs volumeJobs() {
        return volumeJobs;
    }

    public Jobs jobs() {
        return jobs;
    }

    /** The API's tokens and TLS identity. */
    public ApiAccess apiAccess() {
        return apiAccess;
    }

    // What ClusterSync changes, under this appliance's lock.

    VolumeCatalog catalog() {
        return catalog;
    }

    /** Serves a volume another node created. */
    void serveOpened(Volume volume) throws IOException {
        export(volume);
    }

    /** Stops serving a volume another node deleted; the caller closes it. */
    Volume unserve(String name) {
        Volume gone = volumes.remove(name);
        exports.withdraw(gone);
        return gone;
    }

    /** Serves exactly the snapshots the volume's table lists now (a reset one by its new unit). */
    void serveSnapshots(Volume volume) throws IOException {
        exports.serveSnapshots(volume);
    }

    ReadOnlyPolicy readOnlyPolicy() {
        return readOnly;
    }

    synchronized Set<String> volumeNames() {
        return new TreeSet<>(volumes.keySet());
    }

    /** Whether this node runs the volume's schedule and replication: the one node holding its lock. */
    synchronized boolean runsHere(String volume) {
        Volume served = volumes.get(volume);
        return served != null && membership.runsHere(served.core());
    }

    /** The rollback's progress line; empty when none runs. */
    synchronized Optional<String> rollbackStatus(String volumeName) throws ConfigException {
        return volume(volumeName).core().rollbackStatus();
    }

    /**
     * Grows a volume online; its initiators get CAPACITY DATA HAS CHANGED
     * and see the new size at their next READ CAPACITY (a rescan).
     */
    public synchronized Outcomes.VolumeResized resizeVolume(String volumeName, long newSizeBytes)
            throws ConfigException, SnapshotException, IOException {
        Volume volume = volume(volumeName);
        long before = volume.sizeBytes();
        volume.core().resize(newSizeBytes);
        catalog.recordSize(volumeName, newSizeBytes);
        targets.capacityChanged(targetName(volumeName));
        LOG.info("resized volume {} from {} to {}", volumeName, Sizes.format(before), Sizes.format(newSizeBytes));
        return new Outcomes.VolumeResized(volumeName, before, newSizeBytes);
    }

    /**
     * In a cluster: another node resized the volume (the size its metadata
     * records grew); serve the new size here too, and tell this node's initiators.
     */
    synchronized void followResize(Volume volume) throws IOException {
        if (volume.core().adoptSize(catalog.recordedSize(volume.name))) {
            targets.capacityChanged(targetName(volume.name));
        }
    }

    synchronized Outcomes.StoreGrown growStore(String volumeName) throws ConfigException, IOException {
        Volume volume = volume(volumeName);
        long added = volume.core().growStore();
        return new Outcomes.StoreGrown(volumeName, added, volume.core().storeSpace().sizeBytes());
    }

    public synchronized void startScrub(String volumeName, long bytesPerSecond)
            throws ConfigException, SnapshotException {
        volume(volumeName).core().startScrub(bytesPerSecond);
    }

    /** The running or last scrub's status; empty when none ran since the server started. */
    synchronized Optional<String> scrubStatus(String volumeName) throws ConfigException {
        return volume(volumeName).core().scrubStatus();
    }

    synchronized SnapshotCore core(String volumeName) throws ConfigException {
        return volume(volumeName).core();
    }

    synchronized String listSnapshots(String volumeName) throws ConfigException, IOException {
        return reports.listSnapshots(volume(volumeName));
    }

    /** What the server holds and does, as records for programs and tables for the CLI. */
    public Reports reports() {
        return reports;
    }

    public synchronized String status() throws IOException {
        return reports.status();
    }

    /** Stops serving, flushes and closes every volume, releases the data directory. */
    @Override
    public synchronized void close() throws IOException {
        IOException failure = null;
        membership.stopFollowing();
        automation.close();
        for (Closeable part : new Closeable[] {control, iscsi, metrics}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (IOException e) {
                failure = e;
            }
        }
        volumes.values().forEach(volume -> volume.cloneFill().ifPresent(CloneFill::stop)); // before their sources
        for (Volume volume : volumes.values()) {
            try {
                volume.close();
            } catch (IOException e) {
                LOG.error("closing volume {} failed", volume.name, e);
                failure = e;
            }
        }
        volumes.clear();
        membership.close(); // after the volumes: their tenures end, then the session
        lock.close();
        LOG.info("snapshare stopped");
        if (failure != null) {
            throw failure;
        }
    }
}
