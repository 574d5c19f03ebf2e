package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import org.snapshare.iscsi.IscsiServer;
import org.snapshare.iscsi.TargetRegistry;
import org.snapshare.iscsi.scsi.TargetPortGroups;
import org.snapshare.snapshot.LockStatus;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.snapshot.VolumeDiff;
import org.snapshare.store.SingleNodeLock;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.stream.ReceiveTarget;
import org.snapshare.stream.SnapshotExport;
import org.snapshare.stream.SnapshotReceive;

/**
 * The running server: holds the data directory, opens its volumes, serves
 * each as an iSCSI target and answers the control socket.
 */
public final class Appliance implements Closeable, Metrics.Source {

    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    /** How often a cluster node looks for volumes and snapshots the other nodes made or removed. */
    private static final long CLUSTER_SYNC_MILLIS = 1000;

    private final ApplianceConfig config;
    private final DataDirLock lock;
    /** This node's ZooKeeper session; null for a single node. */
    private final ZooKeeperCluster cluster;
    private final VolumeCatalog catalog;
    private final Map<String, Volume> volumes = new TreeMap<>();
    /** Each volume's active node at the last look ("" for none yet), to tell initiators when it changes. */
    private final Map<String, String> activeNodes = new TreeMap<>();
    /** This node's ALUA port group in a cluster. */
    private final int localPortGroup;
    /** The snapshot targets served, by volume. */
    private final Map<String, Set<String>> exportedSnapshots = new TreeMap<>();
    private final TargetRegistry targets = new TargetRegistry();
    private final ReadOnlyPolicy readOnly;
    private final Instant started = Instant.now();
    private IscsiServer iscsi;
    private ControlServer control;
    private Thread clusterSync;
    /** The LUN counters and the Prometheus endpoint; null when neither metrics-listen nor api-listen is set. */
    private Metrics metrics;
    private final ControlReports reports = new ControlReports(this);
    private final SnapshotReceive receiver;
    private final Jobs jobs = new Jobs();
    private final ScheduleBook scheduleBook;
    private final Schedules schedules;
    private final Replicator replicator;
    private final ApiTokens tokens;
    /** The management API's TLS identity, or null when api-listen is empty. */
    private final ApiCertificate apiCertificate;

    private Appliance(ApplianceConfig config, DataDirLock lock, ZooKeeperCluster cluster, int localPortGroup,
            ApiTokens tokens, ApiCertificate apiCertificate) throws ConfigException {
        this.config = config;
        this.lock = lock;
        this.cluster = cluster;
        this.localPortGroup = localPortGroup;
        this.catalog = new VolumeCatalog(config.dataDir(), config.chunkSize(), config.storeFullPolicy(),
                config.damagedMetadataPolicy(), cluster == null ? volume -> new SingleNodeLock() : cluster::lockFor);
        this.catalog.defaultStoreMaxBytes(config.storeMaxSize());
        this.readOnly = ReadOnlyPolicy.from(config);
        this.receiver = new SnapshotReceive(config.dataDir().resolve(RECEIVING_DIR), new ImportTarget());
        this.tokens = tokens;
        this.apiCertificate = apiCertificate;
        this.scheduleBook = new ScheduleBook(config, catalog);
        this.schedules = new Schedules(new ScheduledVolumes());
        this.replicator = new Replicator(new ReplicatedVolumes());
    }

    /** The data directory's folder of API secrets: tokens, the generated TLS pair (docs/DATA-DIR.md). */
    static final String API_DIR = "api";

    /** Where imports stage their records until the stream is complete (docs/DATA-DIR.md). */
    static final String RECEIVING_DIR = "receiving";

    /** Opens the data directory, its volumes and both sockets; serves until {@link #close()}. */
    public static Appliance start(ApplianceConfig config) throws ConfigException, IOException {
        InetSocketAddress portal = config.portal();
        config.chunkSize(); // refuse bad settings before taking the data dir
        config.storeFullPolicy();
        config.damagedMetadataPolicy();
        config.storeMaxSize();
        config.advertisedPortal();
        config.metricsListen();
        config.apiListen();
        config.apiUrl();
        ReadOnlyPolicy.from(config);
        for (String key : config.keys()) {
            if (key.startsWith(ScheduleBook.CONFIG_PREFIX)) {
                SchedulePolicy.parse(config.optional(key).orElse(""));
            }
        }
        Optional<String> node = config.clusterNode();
        Duration sessionTimeout = config.clusterSessionTimeout();
        DataDirLock lock = DataDirLock.acquire(config.dataDir(), node, node.isPresent()
                ? "stop it first, or give this node another cluster-node" : "stop it first or use another --data-dir");
        ZooKeeperCluster cluster = null;
        int portGroup = 0;
        try {
            if (node.isPresent()) {
                cluster = ZooKeeperCluster.connect(config.clusterZookeeper().orElseThrow(), node.get(),
                        sessionTimeout, CLUSTER_CONNECT_TIMEOUT);
                cluster.join(config.advertisedPortal().orElse(config.portalText()));
                portGroup = cluster.portGroup();
            }
        } catch (IOException e) {
            if (cluster != null) {
                cluster.close();
            }
            lock.close();
            throw e;
        }
        Appliance appliance;
        try {
            appliance = new Appliance(config, lock, cluster, portGroup,
                    ApiTokens.open(config.dataDir().resolve(API_DIR)),
                    config.apiListen().isPresent() ? ApiCertificate.load(config) : null);
        } catch (IOException | ConfigException | RuntimeException e) {
            if (cluster != null) {
                cluster.close();
            }
            lock.close();
            throw e;
        }
        try {
            Optional<InetSocketAddress> metricsListen = config.metricsListen();
            if (metricsListen.isPresent() || config.apiListen().isPresent()) { // the console shows I/O rates
                appliance.metrics = Metrics.start(metricsListen, appliance);
            }
            appliance.openVolumes(config);
            if (cluster == null) {
                appliance.receiver.completeInterrupted();
            }
            appliance.targets.policy(ConfigAccessPolicy.from(config));
            config.advertisedPortal().ifPresent(appliance.targets::advertisedPortal);
            if (cluster != null) {
                appliance.targets.portalGroupTag(portGroup);
            }
            appliance.iscsi = new IscsiServer(portal, appliance.targets, config.connectionLimits());
            appliance.control = new ControlServer(config.controlSocket(), new ControlCommands(appliance)::handle);
            appliance.iscsi.start();
            appliance.control.start();
            if (cluster != null) {
                appliance.startClusterSync();
            }
            appliance.schedules.start();
            appliance.replicator.start();
            LOG.info("snapshare {} serving {} volume(s) from {}{}", Version.get(), appliance.volumes.size(),
                    config.dataDir().toAbsolutePath(), node.map(name -> " as cluster node " + name).orElse(""));
            return appliance;
        } catch (IOException | ConfigException | RuntimeException e) {
            appliance.close();
            throw e;
        }
    }

    private static final Duration CLUSTER_CONNECT_TIMEOUT = Duration.ofSeconds(15);
    /** How long a node holds a volume's lock before it becomes the volume's active node. */
    private static final Duration ACTIVE_AFTER = Duration.ofSeconds(3);

    /** Serves, within a second or so, the volumes and snapshots other nodes create, and drops what they delete. */
    private void startClusterSync() {
        clusterSync = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(CLUSTER_SYNC_MILLIS);
                    syncWithCluster();
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cluster sync failed: {}; trying again", e.getMessage());
                }
            }
        }, "cluster-sync");
        clusterSync.setDaemon(true);
        clusterSync.start();
    }

    /**
     * A node that has held a volume's lock for {@link #ACTIVE_AFTER} without a
     * break becomes its active (ALUA optimized) node; when the active node
     * changes, every node tells its initiators (ASYMMETRIC ACCESS STATE
     * CHANGED). The wait keeps the states still while initiators use both
     * paths at once and the lock goes back and forth.
     */
    private void followActiveNode(Volume volume) throws IOException {
        LockStatus lock = volume.core().lockStatus();
        Optional<String> active = cluster.activeNode(volume.name);
        if (lock.held() && lock.heldFor().compareTo(ACTIVE_AFTER) >= 0
                && !active.equals(Optional.of(cluster.nodeName()))) {
            cluster.claimActive(volume.name);
            active = Optional.of(cluster.nodeName());
            LOG.info("volume {}: this node is its active (ALUA optimized) node now", volume.name);
        }
        String now = active.orElse("");
        String before = activeNodes.put(volume.name, now);
        if (before != null && !before.equals(now)) {
            targets.accessStateChanged(targetName(volume.name));
            for (String snapshot : exportedSnapshots(volume)) {
                targets.accessStateChanged(targetName(volume.name, snapshot));
            }
        }
    }

    /** One volume's part of a sync; a failure is logged and retried next time, the other volumes go on. */
    @FunctionalInterface
    private interface VolumeSync {
        void run() throws IOException;
    }

    private static void syncOne(String volume, VolumeSync sync) {
        try {
            sync.run();
        } catch (IOException | RuntimeException e) {
            LOG.warn("cluster sync of volume {} failed: {}; trying again", volume, e.getMessage());
        }
    }

    private synchronized void syncWithCluster() throws IOException {
        Set<String> onDisk = new TreeSet<>(catalog.names());
        for (String name : onDisk) {
            if (!volumes.containsKey(name)) {
                syncOne(name, () -> {
                    export(catalog.open(name));
                    LOG.info("volume {} appeared (another node created it): now served here too", name);
                });
            }
        }
        for (String name : new ArrayList<>(volumes.keySet())) {
            if (!onDisk.contains(name)) {
                Volume gone = volumes.remove(name);
                withdraw(gone);
                syncOne(name, gone::close);
                LOG.info("volume {} was deleted on another node: no longer served here", name);
            }
        }
        for (Volume volume : volumes.values()) {
            syncOne(volume.name, () -> syncSnapshots(volume));
        }
    }

    /** Follows the volume's active node and serves exactly the snapshots its table (or the disk) lists. */
    private void syncSnapshots(Volume volume) throws IOException {
        followActiveNode(volume);
        Map<String, LogicalUnit> served = volume.core().servedSnapshots();
        Set<String> exported = exportedSnapshots.getOrDefault(volume.name, Set.of());
        for (String snapshot : new ArrayList<>(exported)) {
            if (!served.containsKey(snapshot)) {
                withdrawTarget(volume.name, snapshot);
            }
        }
        for (Map.Entry<String, LogicalUnit> snapshot : served.entrySet()) {
            if (!exported.contains(snapshot.getKey())) {
                exportTarget(volume.name, snapshot.getKey(), snapshot.getValue());
            }
        }
    }

    public InetSocketAddress portal() {
        return iscsi.boundAddress();
    }

    private void openVolumes(ApplianceConfig config) throws IOException, ConfigException {
        boolean firstStart = catalog.isNew();
        for (Volume volume : catalog.openAll()) {
            export(volume);
        }
        if (firstStart && cluster == null) { // a cluster's volumes are made on purpose, by one node
            String name = VolumeNames.check(config.defaultVolume());
            LOG.info("first start: creating volume {} of {}", name, Sizes.format(config.defaultVolumeSize()));
            export(catalog.create(name, config.defaultVolumeSize()));
        }
    }

    private void export(Volume volume) throws IOException {
        volumes.put(volume.name, volume);
        exportTarget(volume.name, null, volume.unit());
        for (Map.Entry<String, LogicalUnit> snapshot : volume.core().servedSnapshots().entrySet()) {
            exportTarget(volume.name, snapshot.getKey(), snapshot.getValue());
        }
    }

    /** Serves the origin ({@code snapshot} null) or a snapshot, with its reservations file. */
    private void exportTarget(String volume, String snapshot, LogicalUnit unit) throws IOException {
        String name = snapshot == null ? targetName(volume) : targetName(volume, snapshot);
        FileReservationStore reservations = FileReservationStore.of(catalog.volumeDir(volume), snapshot);
        try {
            targets.export(name, served(volume, snapshot, unit), reservations, portGroups(volume));
        } catch (IOException e) {
            throw new IOException("target " + name + ": its persistent reservations in " + reservations
                    + " cannot be read (" + e.getMessage() + "); move the file away to serve it without them", e);
        }
        if (snapshot != null) {
            exportedSnapshots.computeIfAbsent(volume, v -> new TreeSet<>()).add(snapshot);
        }
    }

    /** The volume's ALUA port groups in a cluster; none for a single node. */
    private TargetPortGroups portGroups(String volume) {
        return cluster == null ? null
                : new ClusterPortGroups(cluster, localPortGroup, volume, volumes.get(volume).core());
    }

    private void withdrawTarget(String volume, String snapshot) {
        targets.withdraw(targetName(volume, snapshot));
        if (metrics != null) {
            metrics.forget(volume, snapshot);
        }
        Set<String> exported = exportedSnapshots.get(volume);
        if (exported != null) {
            exported.remove(snapshot);
        }
    }

    /** The unit as its target serves it: counted when metrics are on, write-protected where the config says. */
    private LogicalUnit served(String volume, String snapshot, LogicalUnit unit) {
        LogicalUnit counted = metrics == null ? unit : metrics.metered(unit, volume, snapshot);
        return readOnly.readOnly(volume, snapshot) ? new ReadOnlyUnit(counted) : counted;
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
    public synchronized Map<String, Schedules.Outcome> scheduleOutcomes() {
        Map<String, Schedules.Outcome> outcomes = new TreeMap<>();
        for (String volume : volumes.keySet()) {
            outcomes.put(volume, schedules.outcome(volume));
        }
        return outcomes;
    }

    @Override
    public Map<String, Replicator.State> replicationStates() {
        Map<String, Replicator.State> states = new TreeMap<>();
        for (String volume : new ReplicatedVolumes().names()) {
            try {
                if (ReplicationSettings.read(catalog.volumeDir(volume)).isPresent()) {
                    states.put(volume, replicator.state(volume));
                }
            } catch (ConfigException | IOException e) {
                LOG.debug("volume {}: its replication settings cannot be read: {}", volume, e.getMessage());
            }
        }
        return states;
    }

    /** The port metrics are served on, if they are (tests ask for port 0). */
    public Optional<Integer> metricsPort() {
        return Optional.ofNullable(metrics).flatMap(Metrics::port);
    }

    /** Every LUN's I/O since start; empty when neither metrics nor the API are on (nothing counts then). */
    public List<LunIo> lunIo() {
        return metrics == null ? List.of() : metrics.io();
    }

    // What ControlReports reads, under this appliance's lock.

    java.util.Collection<Volume> volumesInOrder() {
        return volumes.values();
    }

    TargetRegistry targets() {
        return targets;
    }

    ApplianceConfig config() {
        return config;
    }

    IscsiServer iscsi() {
        return iscsi;
    }

    ZooKeeperCluster cluster() {
        return cluster;
    }

    Instant started() {
        return started;
    }

    String targetName(String volume) {
        return config.iqnPrefix() + ":" + volume;
    }

    String targetName(String volume, String snapshot) {
        return targetName(volume) + "." + snapshot;
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
        return new TreeSet<>(exportedSnapshots.getOrDefault(volume.name, Set.of()));
    }

    /** Sessions on the volume's origin and snapshot targets. */
    private int sessions(Volume volume) {
        int count = targets.sessionCount(targetName(volume.name));
        for (String snapshot : exportedSnapshots(volume)) {
            count += targets.sessionCount(targetName(volume.name, snapshot));
        }
        return count;
    }

    private void withdraw(Volume volume) {
        for (String snapshot : exportedSnapshots(volume)) {
            withdrawTarget(volume.name, snapshot);
        }
        exportedSnapshots.remove(volume.name);
        activeNodes.remove(volume.name);
        targets.withdraw(targetName(volume.name));
        if (metrics != null) {
            metrics.forget(volume.name, null);
        }
    }

    public synchronized String createVolume(VolumeSpec spec) throws ConfigException, IOException {
        String name = spec.name();
        Volume volume = catalog.create(spec);
        export(volume);
        LOG.info("created volume {} ({})", name, Sizes.format(volume.sizeBytes()));
        return "created volume " + name + " (" + Sizes.format(volume.sizeBytes()) + "), served as "
                + targetName(name) + " LUN 0\n";
    }

    public synchronized String deleteVolume(String name, boolean force) throws ConfigException, IOException {
        Volume volume = volume(name);
        int sessions = sessions(volume);
        if (sessions > 0 && !force) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "volume " + name + " has " + sessions
                    + " active session(s) on it and its snapshots; log them out first, or add --force to disconnect"
                    + " them");
        }
        withdraw(volume);
        volumes.remove(name);
        volume.close();
        catalog.delete(name);
        LOG.info("deleted volume {}", name);
        return "deleted volume " + name + "\n";
    }

    synchronized String listVolumes() {
        return reports.listVolumes();
    }

    public synchronized String createSnapshot(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        VolumeNames.checkSnapshot(name);
        Volume volume = volume(volumeName);
        LogicalUnit unit = volume.core().createSnapshot(name);
        String target = targetName(volumeName, name);
        serveNewSnapshot(volumeName, name, unit);
        return "created snapshot " + name + " of volume " + volumeName + ", served as " + target + " LUN 0\n";
    }

    /** Serves a snapshot just made (or received) as its target, without a deleted namesake's reservations. */
    private void serveNewSnapshot(String volumeName, String name, LogicalUnit unit) throws IOException {
        FileReservationStore.of(catalog.volumeDir(volumeName), name).save("");
        exportTarget(volumeName, name, unit);
    }

    public synchronized String deleteSnapshot(String volumeName, String name, boolean force)
            throws ConfigException, SnapshotException, IOException {
        Volume volume = volume(volumeName);
        String target = targetName(volumeName, name);
        int sessions = targets.sessionCount(target);
        if (sessions > 0 && !force) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "snapshot " + name + " has " + sessions
                    + " active session(s); log them out first, or add --force to disconnect them");
        }
        if (new SnapshotHolds(catalog.volumeDir(volumeName)).isHeld(name)) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "snapshot " + name + " of volume " + volumeName
                    + " is held; `snapshare snapshot release " + volumeName + " " + name + "` first");
        }
        volume.core().deleteSnapshot(name);
        withdrawTarget(volumeName, name);
        FileReservationStore.of(catalog.volumeDir(volumeName), name).save(""); // reservations go with the target
        return "deleted snapshot " + name + " of volume " + volumeName
                + "; its space is reclaimed in the background (`snapshare status` shows progress)\n";
    }

    synchronized String rollback(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        volume(volumeName).core().rollback(name);
        return "rolling the origin of volume " + volumeName + " back to snapshot " + name
                + " (online; other snapshots keep their content)\n";
    }

    /**
     * Starts a rollback as a job (the API's way); its progress and end are
     * the core's, as `snapshot rollback` follows them.
     */
    public synchronized Jobs.Job rollbackJob(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        SnapshotCore core = volume(volumeName).core();
        jobs.settle("rollback", volumeName);
        rollback(volumeName, name);
        return jobs.start("rollback", volumeName, name, new Jobs.Watch() {
            @Override
            public Optional<Double> progress() {
                return core.rollbackProgress();
            }

            @Override
            public Optional<String> failure() {
                return core.rollbackFailure();
            }

            @Override
            public String done() {
                return "the origin of volume " + volumeName + " holds snapshot " + name + "'s content";
            }
        });
    }

    public Jobs jobs() {
        return jobs;
    }

    public ApiTokens tokens() {
        return tokens;
    }

    /** The API's TLS identity, if the API is on. */
    public Optional<ApiCertificate> apiCertificate() {
        return Optional.ofNullable(apiCertificate);
    }

    /** Makes an API token: the token alone on the first line, then how to reach and pin the API. */
    synchronized String createToken(String name, ApiRole role) throws ConfigException, IOException {
        String token = tokens.create(name, role);
        LOG.info("API token {} made with role {}", name, role.word());
        StringBuilder out = new StringBuilder(token).append('\n');
        out.append("token ").append(name).append(" (").append(role.word())
                .append("): shown this once; send it as Authorization: Bearer TOKEN\n");
        if (apiCertificate == null) {
            out.append("the API is off on this server: set api-listen (or serve --api HOST:PORT) to use it\n");
        } else {
            out.append("API: ").append(config.apiUrl().orElseThrow()).append("/api/v1\n");
            out.append("certificate SHA-256 fingerprint: ").append(apiCertificate.fingerprint()).append('\n');
        }
        return out.toString();
    }

    synchronized String listTokens() {
        StringBuilder out = new StringBuilder(String.format("%-24s %-9s %s%n", "NAME", "ROLE", "CREATED"));
        for (ApiTokens.Token token : tokens.list()) {
            out.append(String.format("%-24s %-9s %s%n", token.name(), token.role().word(),
                    token.created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        }
        return out.toString();
    }

    synchronized String revokeToken(String name) throws ConfigException, IOException {
        tokens.revoke(name);
        LOG.info("API token {} revoked", name);
        return "revoked token " + name + "\n";
    }

    public synchronized List<VolumeSummary> volumeSummaries() {
        List<VolumeSummary> list = new ArrayList<>();
        volumes.values().forEach(volume -> list.add(reports.summary(volume)));
        return list;
    }

    public synchronized VolumeSummary volumeSummary(String name) throws ConfigException {
        return reports.summary(volume(name));
    }

    public synchronized List<SnapshotSummary> snapshotSummaries(String volumeName)
            throws ConfigException, IOException {
        return reports.snapshots(volume(volumeName));
    }

    public synchronized SnapshotSummary snapshotSummary(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        for (SnapshotSummary snapshot : snapshotSummaries(volumeName)) {
            if (snapshot.name().equals(name)) {
                return snapshot;
            }
        }
        throw SnapshotCore.noSnapshot(volumeName, name);
    }

    /** Keeps a snapshot from being deleted, by anyone or any schedule, until it is released. */
    public synchronized String holdSnapshot(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        snapshotSummary(volumeName, name);
        new SnapshotHolds(catalog.volumeDir(volumeName)).hold(name);
        return "snapshot " + name + " of volume " + volumeName + " is held: nothing deletes it until `snapshare"
                + " snapshot release " + volumeName + " " + name + "`\n";
    }

    public synchronized String releaseSnapshot(String volumeName, String name) throws ConfigException, IOException {
        volume(volumeName);
        if (!new SnapshotHolds(catalog.volumeDir(volumeName)).release(name)) {
            throw new ConfigException(ConfigException.Reason.NOT_FOUND, "snapshot " + name + " of volume "
                    + volumeName + " is not held");
        }
        return "released snapshot " + name + " of volume " + volumeName + "\n";
    }

    public synchronized String setSchedule(String volumeName, String text) throws ConfigException, IOException {
        volume(volumeName);
        SchedulePolicy policy = SchedulePolicy.parse(text);
        scheduleBook.set(volumeName, policy);
        LOG.info("volume {}: schedule set to {}", volumeName, policy.text());
        return "volume " + volumeName + " is snapshotted " + policy.text() + " (snapshots named "
                + AutoSnapshotNames.PREFIX + "TIME; held ones and ones with sessions are never pruned)\n";
    }

    public synchronized String clearSchedule(String volumeName) throws ConfigException, IOException {
        volume(volumeName);
        if (!scheduleBook.clear(volumeName)) {
            throw new ConfigException(ConfigException.Reason.NOT_FOUND, "volume " + volumeName + " has no schedule");
        }
        LOG.info("volume {}: schedule cleared", volumeName);
        return "volume " + volumeName + " has no schedule now; its scheduled snapshots stay until deleted\n";
    }

    public synchronized List<ScheduleSummary> scheduleSummaries() throws ConfigException, IOException {
        List<ScheduleSummary> list = new ArrayList<>();
        for (Volume volume : volumes.values()) {
            Optional<ScheduleBook.Entry> entry = scheduleBook.entry(volume.name);
            if (entry.isPresent()) {
                Schedules.Outcome outcome = schedules.outcome(volume.name);
                int auto = 0;
                for (String snapshot : exportedSnapshots(volume)) {
                    auto += AutoSnapshotNames.taken(snapshot).isPresent() ? 1 : 0;
                }
                list.add(new ScheduleSummary(volume.name, entry.get().policy().text(), entry.get().source(), auto,
                        outcome.lastSuccess(), outcome.lastFailure(), outcome.lastError()));
            }
        }
        return list;
    }

    /** Every iSCSI session logged in to a target. */
    public List<org.snapshare.iscsi.SessionInfo> sessionList() {
        return targets.sessions();
    }

    public synchronized ClusterSummary clusterSummary() throws IOException {
        if (cluster == null) {
            return new ClusterSummary("", "", Map.of(), List.of());
        }
        List<ClusterSummary.VolumeLock> locks = new ArrayList<>();
        for (Volume volume : volumes.values()) {
            LockStatus lock = volume.core().lockStatus();
            String holder = lock.held() ? cluster.nodeName() : cluster.lastHolder(volume.name).orElse("");
            locks.add(new ClusterSummary.VolumeLock(volume.name, holder, lock.held(), lock.generation(),
                    lock.handovers(), ClusterPortGroups.activeNode(cluster, volume.name, volume.core()).orElse("")));
        }
        return new ClusterSummary(cluster.nodeName(), config.clusterZookeeper().orElse(""), cluster.members(), locks);
    }

    /** The access keys of the config (secrets masked) and which served targets are write-protected. */
    public synchronized AccessSummary accessSummary() {
        Map<String, String> settings = new TreeMap<>();
        for (String key : config.keys()) {
            if (ConfigAccessPolicy.isAccessKey(key) || ReadOnlyPolicy.isReadOnlyKey(key)) {
                settings.put(key, key.contains("secret") ? "(set)" : config.optional(key).orElse(""));
            }
        }
        List<AccessSummary.TargetAccess> list = new ArrayList<>();
        for (Volume volume : volumes.values()) {
            list.add(new AccessSummary.TargetAccess(targetName(volume.name), readOnly.readOnly(volume.name, null)));
            for (String snapshot : exportedSnapshots(volume)) {
                list.add(new AccessSummary.TargetAccess(targetName(volume.name, snapshot),
                        readOnly.readOnly(volume.name, snapshot)));
            }
        }
        return new AccessSummary(settings, list);
    }

    /** Whether this node runs the volume's schedule and replication: the one node holding its lock. */
    private synchronized boolean runsHere(String volume) {
        Volume served = volumes.get(volume);
        return served != null && (cluster == null || served.core().lockStatus().held());
    }

    public synchronized String setReplication(String volumeName, ReplicationSettings settings)
            throws ConfigException, IOException {
        volume(volumeName);
        settings.token();
        settings.write(catalog.volumeDir(volumeName));
        LOG.info("volume {}: its scheduled snapshots are replicated to {}", volumeName, settings.url());
        return "volume " + volumeName + ": each scheduled snapshot goes to " + settings.url() + " as volume "
                + volumeName + settings.keep().map(k -> ", which keeps " + k.text()).orElse("")
                + " (`snapshare replicate list` shows the lag)\n";
    }

    public synchronized String clearReplication(String volumeName) throws ConfigException, IOException {
        volume(volumeName);
        if (!ReplicationSettings.remove(catalog.volumeDir(volumeName))) {
            throw new ConfigException(ConfigException.Reason.NOT_FOUND, "volume " + volumeName
                    + " is not replicated");
        }
        return "volume " + volumeName + " is no longer replicated; what was sent stays there\n";
    }

    public synchronized List<ReplicationSummary> replicationSummaries() throws ConfigException, IOException {
        List<ReplicationSummary> list = new ArrayList<>();
        for (Volume volume : volumes.values()) {
            Optional<ReplicationSettings> settings = ReplicationSettings.read(catalog.volumeDir(volume.name));
            if (settings.isPresent()) {
                Replicator.State state = replicator.state(volume.name);
                list.add(new ReplicationSummary(volume.name, settings.get().url(),
                        settings.get().keep().map(SchedulePolicy::text).orElse(""), state.lastSent(),
                        state.lastSuccess(), state.lastFailure(), state.lastError(), state.lagSeconds(),
                        state.lagBytes()));
            }
        }
        return list;
    }

    /** An import into the volume that stopped and can be resumed (replication asks before it sends). */
    public Optional<org.snapshare.stream.InterruptedImport> interruptedImport(String volumeName)
            throws ConfigException, IOException {
        return receiver.interrupted(VolumeNames.check(volumeName));
    }

    /** What replication asks of this appliance. */
    private final class ReplicatedVolumes implements Replicator.Volumes {

        @Override
        public Set<String> names() {
            synchronized (Appliance.this) {
                return new TreeSet<>(volumes.keySet());
            }
        }

        @Override
        public Optional<ReplicationSettings> settings(String volume) throws ConfigException, IOException {
            return ReplicationSettings.read(catalog.volumeDir(volume));
        }

        @Override
        public boolean runsHere(String volume) {
            return Appliance.this.runsHere(volume);
        }

        @Override
        public List<String> scheduledSnapshots(String volume) throws ConfigException, IOException {
            List<String> names = new ArrayList<>();
            for (SnapshotSummary snapshot : snapshotSummaries(volume)) {
                if (snapshot.state().equals("live") && AutoSnapshotNames.taken(snapshot.name()).isPresent()) {
                    names.add(snapshot.name());
                }
            }
            names.sort(null); // by time: the names are
            return names;
        }

        @Override
        public void export(String volume, String snapshot, Optional<String> base, long resumeFrom, OutputStream out)
                throws ConfigException, SnapshotException, IOException {
            exportSnapshot(volume, snapshot, base, resumeFrom, out);
        }

        @Override
        public long changedBytes(String volume, String from, String to)
                throws ConfigException, SnapshotException, IOException {
            return diffRuns(volume, from, to).changedBytes();
        }

        @Override
        public long sizeBytes(String volume) throws ConfigException {
            synchronized (Appliance.this) {
                return volume(volume).sizeBytes();
            }
        }
    }

    /** What the schedules ask of this appliance, each under its lock. */
    private final class ScheduledVolumes implements Schedules.Volumes {

        @Override
        public Set<String> names() {
            synchronized (Appliance.this) {
                return new TreeSet<>(volumes.keySet());
            }
        }

        @Override
        public Optional<SchedulePolicy> policy(String volume) throws ConfigException, IOException {
            return scheduleBook.entry(volume).map(ScheduleBook.Entry::policy);
        }

        @Override
        public boolean runsHere(String volume) {
            return Appliance.this.runsHere(volume);
        }

        @Override
        public List<String> snapshots(String volume) throws ConfigException, IOException {
            List<String> names = new ArrayList<>();
            for (SnapshotSummary snapshot : snapshotSummaries(volume)) {
                if (!snapshot.state().equals("deleting")) {
                    names.add(snapshot.name());
                }
            }
            return names;
        }

        @Override
        public void create(String volume, String snapshot) throws ConfigException, SnapshotException, IOException {
            createSnapshot(volume, snapshot);
            LOG.info("volume {}: scheduled snapshot {} taken", volume, snapshot);
        }

        @Override
        public void prune(String volume, String snapshot) throws ConfigException, SnapshotException, IOException {
            if (replicator.needs(volume, snapshot)) {
                throw new ConfigException(ConfigException.Reason.CONFLICT, "replication still needs snapshot "
                        + snapshot);
            }
            deleteSnapshot(volume, snapshot, false);
            LOG.info("volume {}: scheduled snapshot {} pruned (no rule keeps it)", volume, snapshot);
        }
    }

    /** "idle", or the rollback's progress. */
    synchronized String rollbackStatus(String volumeName) throws ConfigException {
        return volume(volumeName).core().rollbackStatus().orElse("idle") + "\n";
    }

    /**
     * Grows a volume online; its initiators get CAPACITY DATA HAS CHANGED
     * and see the new size at their next READ CAPACITY (a rescan).
     */
    public synchronized String resizeVolume(String volumeName, long newSizeBytes)
            throws ConfigException, SnapshotException, IOException {
        Volume volume = volume(volumeName);
        if (cluster != null) {
            throw new ConfigException("volumes of a cluster cannot be resized yet: the other nodes would go on"
                    + " serving the old size (stop every node, serve the volume on one node without"
                    + " cluster-zookeeper, resize it, then start the cluster again)");
        }
        long before = volume.sizeBytes();
        volume.core().resize(newSizeBytes);
        catalog.recordSize(volumeName, newSizeBytes);
        targets.capacityChanged(targetName(volumeName));
        LOG.info("resized volume {} from {} to {}", volumeName, Sizes.format(before), Sizes.format(newSizeBytes));
        return "resized volume " + volumeName + " from " + Sizes.format(before) + " to " + Sizes.format(newSizeBytes)
                + "; initiators were told (CAPACITY DATA HAS CHANGED): rescan to see it (Linux: echo 1 >"
                + " /sys/class/block/sdX/device/rescan); its snapshots keep their size\n";
    }

    synchronized String growStore(String volumeName) throws ConfigException, IOException {
        Volume volume = volume(volumeName);
        long added = volume.core().growStore();
        return "the exception store of volume " + volumeName + " grew by " + Sizes.format(added) + " to "
                + Sizes.format(volume.core().storeSpace().sizeBytes()) + "\n";
    }

    synchronized String startScrub(String volumeName, long bytesPerSecond) throws ConfigException, SnapshotException {
        volume(volumeName).core().startScrub(bytesPerSecond);
        return "scrubbing volume " + volumeName + " online at up to " + Sizes.format(bytesPerSecond) + "/s\n";
    }

    /** The running or last scrub's status, or "idle" when none ran since the server started. */
    synchronized String scrubStatus(String volumeName) throws ConfigException {
        return volume(volumeName).core().scrubStatus().orElse("idle") + "\n";
    }

    /** Where `snapshot diff` from {@code from} to {@code to} (a snapshot or "origin") changed; text or JSON. */
    public String diff(String volumeName, String from, String to, boolean json)
            throws ConfigException, SnapshotException, IOException {
        VolumeDiff diff = volumeDiff(volumeName, from, to);
        return json ? DiffReport.json(DiffRuns.of(volumeName, from, to, diff))
                : DiffReport.text(volumeName, from, to, diff);
    }

    public DiffRuns diffRuns(String volumeName, String from, String to)
            throws ConfigException, SnapshotException, IOException {
        return DiffRuns.of(volumeName, from, to, volumeDiff(volumeName, from, to));
    }

    private VolumeDiff volumeDiff(String volumeName, String from, String to)
            throws ConfigException, SnapshotException, IOException {
        return core(volumeName).diff(Optional.of(from), to.equals(DiffReport.ORIGIN) ? Optional.empty()
                : Optional.of(to));
    }

    /** Writes a stream of the snapshot to {@code out} (docs/STREAM.md); I/O to the volume goes on meanwhile. */
    public void exportSnapshot(String volumeName, String snapshot, Optional<String> base, long resumeFrom, OutputStream out)
            throws ConfigException, SnapshotException, IOException {
        SnapshotCore core = core(volumeName);
        SnapshotExport.run(volumeName, core, snapshot, base, resumeFrom, out);
        LOG.info("volume {}: exported snapshot {}{}", volumeName, snapshot, base.map(b -> " since " + b).orElse(""));
    }

    /** Receives a stream into {@code volumeName} (a new volume for a full stream); the report. */
    public String importSnapshot(String volumeName, InputStream in, boolean force, boolean resume)
            throws ConfigException, SnapshotException, IOException {
        VolumeNames.check(volumeName);
        if (cluster != null) {
            throw new ConfigException("importing into a cluster is not supported yet: import on a single node, then"
                    + " serve the volume from the cluster");
        }
        return receiver.receive(volumeName, in, force, resume);
    }

    /** Imports under way, a line each, by volume (a full stream's volume may not exist yet). */
    Map<String, String> importProgress() {
        return receiver.progress();
    }

    private synchronized SnapshotCore core(String volumeName) throws ConfigException {
        return volume(volumeName).core();
    }

    /** What an import asks of this appliance (SnapshotReceive), each under its lock. */
    private final class ImportTarget implements ReceiveTarget {

        @Override
        public Optional<SnapshotCore> volume(String name) {
            synchronized (Appliance.this) {
                return Optional.ofNullable(volumes.get(name)).map(Volume::core);
            }
        }

        @Override
        public void checkSnapshotName(String name) throws SnapshotException {
            try {
                VolumeNames.checkSnapshot(name);
            } catch (ConfigException e) {
                throw new SnapshotException("the stream's snapshot: " + e.getMessage());
            }
        }

        @Override
        public SnapshotCore createVolume(String name, long sizeBytes) throws IOException {
            synchronized (Appliance.this) {
                try {
                    Appliance.this.createVolume(new VolumeSpec(name, sizeBytes, 0, 0, null, null));
                    return Appliance.this.volume(name).core();
                } catch (ConfigException e) {
                    throw new IOException("cannot create volume " + name + " for the stream: " + e.getMessage(), e);
                }
            }
        }

        @Override
        public int originSessions(String name) {
            synchronized (Appliance.this) {
                return targets.sessionCount(targetName(name));
            }
        }

        @Override
        public void snapshotReceived(String volume, String snapshot, LogicalUnit unit) throws IOException {
            synchronized (Appliance.this) {
                serveNewSnapshot(volume, snapshot, unit);
            }
        }
    }

    synchronized String listSnapshots(String volumeName) throws ConfigException, IOException {
        return reports.listSnapshots(volume(volumeName));
    }

    public synchronized ApplianceStatus statusSummary() {
        List<String> work = new ArrayList<>();
        for (Volume volume : volumes.values()) {
            volume.core().backgroundWork().forEach(line -> work.add("volume " + volume.name + ": " + line));
        }
        importProgress().forEach((volume, line) -> work.add("volume " + volume + ": " + line));
        InetSocketAddress bound = iscsi.boundAddress();
        return new ApplianceStatus(Version.get(), started, bound.getAddress().getHostAddress() + ":" + bound.getPort(),
                iscsi.connectionCount(), targets.sessionCount(), cluster == null ? "" : cluster.nodeName(),
                volumeSummaries(), work);
    }

    public synchronized String status() throws IOException {
        return reports.status();
    }

    /** Stops serving, flushes and closes every volume, releases the data directory. */
    @Override
    public synchronized void close() throws IOException {
        IOException failure = null;
        if (clusterSync != null) {
            clusterSync.interrupt();
        }
        schedules.close();
        replicator.close();
        for (Closeable part : new Closeable[] {control, iscsi, metrics}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (IOException e) {
                failure = e;
            }
        }
        for (Volume volume : volumes.values()) {
            try {
                volume.close();
            } catch (IOException e) {
                LOG.error("closing volume {} failed", volume.name, e);
                failure = e;
            }
        }
        volumes.clear();
        if (cluster != null) {
            cluster.close(); // after the volumes: their tenures end, then the session
        }
        lock.close();
        LOG.info("snapshare stopped");
        if (failure != null) {
            throw failure;
        }
    }
}
