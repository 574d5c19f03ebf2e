package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.Version;
import org.snapshare.iscsi.IscsiServer;
import org.snapshare.iscsi.TargetRegistry;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.snapshot.SnapshotStatus;

/**
 * The running server: holds the data directory, opens its volumes, serves
 * each as an iSCSI target and answers the control socket.
 */
public final class Appliance implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    private final ApplianceConfig config;
    private final DataDirLock lock;
    private final VolumeCatalog catalog;
    private final Map<String, Volume> volumes = new TreeMap<>();
    private final TargetRegistry targets = new TargetRegistry();
    private final ReadOnlyPolicy readOnly;
    private final Instant started = Instant.now();
    private IscsiServer iscsi;
    private ControlServer control;

    private Appliance(ApplianceConfig config, DataDirLock lock) throws ConfigException {
        this.config = config;
        this.lock = lock;
        this.catalog = new VolumeCatalog(config.dataDir(), config.chunkSize(), config.storeFullPolicy());
        this.readOnly = ReadOnlyPolicy.from(config);
    }

    /** Opens the data directory, its volumes and both sockets; serves until {@link #close()}. */
    public static Appliance start(ApplianceConfig config) throws ConfigException, IOException {
        InetSocketAddress portal = config.portal();
        config.chunkSize(); // refuse bad settings before taking the data dir
        config.storeFullPolicy();
        ReadOnlyPolicy.from(config);
        Appliance appliance = new Appliance(config,
                DataDirLock.acquire(config.dataDir(), "stop it first or use another --data-dir"));
        try {
            appliance.openVolumes(config);
            appliance.targets.policy(ConfigAccessPolicy.from(config));
            appliance.iscsi = new IscsiServer(portal, appliance.targets);
            appliance.control = new ControlServer(config.dataDir(), new ControlCommands(appliance)::handle);
            appliance.iscsi.start();
            appliance.control.start();
            LOG.info("snapshare {} serving {} volume(s) from {}", Version.get(), appliance.volumes.size(),
                    config.dataDir().toAbsolutePath());
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
        for (Volume volume : catalog.openAll()) {
            export(volume);
        }
        if (firstStart) {
            String name = VolumeNames.check(config.defaultVolume());
            LOG.info("first start: creating volume {} of {}", name, Sizes.format(config.defaultVolumeSize()));
            export(catalog.create(name, config.defaultVolumeSize()));
        }
    }

    private void export(Volume volume) throws IOException {
        volumes.put(volume.name, volume);
        exportTarget(volume.name, null, volume.unit());
        for (Map.Entry<String, LogicalUnit> snapshot : volume.snapshots().servedSnapshots().entrySet()) {
            exportTarget(volume.name, snapshot.getKey(), snapshot.getValue());
        }
    }

    /** Serves the origin ({@code snapshot} null) or a snapshot, with its reservations file. */
    private void exportTarget(String volume, String snapshot, LogicalUnit unit) throws IOException {
        String name = snapshot == null ? targetName(volume) : targetName(volume, snapshot);
        FileReservationStore reservations = FileReservationStore.of(catalog.volumeDir(volume), snapshot);
        try {
            targets.export(name, served(volume, snapshot, unit), reservations);
        } catch (IOException e) {
            throw new IOException("target " + name + ": its persistent reservations in " + reservations
                    + " cannot be read (" + e.getMessage() + "); move the file away to serve it without them", e);
        }
    }

    /** The unit as its target serves it: write-protected where the config says. */
    private LogicalUnit served(String volume, String snapshot, LogicalUnit unit) {
        return readOnly.readOnly(volume, snapshot) ? new ReadOnlyUnit(unit) : unit;
    }

    private String targetName(String volume) {
        return config.iqnPrefix() + ":" + volume;
    }

    private String targetName(String volume, String snapshot) {
        return targetName(volume) + "." + snapshot;
    }

    private Volume volume(String name) throws ConfigException {
        Volume volume = volumes.get(name);
        if (volume == null) {
            throw new ConfigException("no volume named " + name + "; `snapshare volume list` shows them");
        }
        return volume;
    }

    /** Sessions on the volume's origin and snapshot targets. */
    private int sessions(Volume volume) {
        int count = targets.sessionCount(targetName(volume.name));
        for (String snapshot : volume.snapshots().servedSnapshots().keySet()) {
            count += targets.sessionCount(targetName(volume.name, snapshot));
        }
        return count;
    }

    private void withdraw(Volume volume) {
        for (String snapshot : volume.snapshots().servedSnapshots().keySet()) {
            targets.withdraw(targetName(volume.name, snapshot));
        }
        targets.withdraw(targetName(volume.name));
    }

    synchronized String createVolume(VolumeSpec spec) throws ConfigException, IOException {
        String name = spec.name();
        Volume volume = catalog.create(spec);
        export(volume);
        LOG.info("created volume {} ({})", name, Sizes.format(volume.sizeBytes));
        return "created volume " + name + " (" + Sizes.format(volume.sizeBytes) + "), served as "
                + targetName(name) + " LUN 0\n";
    }

    synchronized String deleteVolume(String name, boolean force) throws ConfigException, IOException {
        Volume volume = volume(name);
        int sessions = sessions(volume);
        if (sessions > 0 && !force) {
            throw new ConfigException("volume " + name + " has " + sessions + " active session(s) on it and its"
                    + " snapshots; log them out first, or add --force to disconnect them");
        }
        withdraw(volume);
        volumes.remove(name);
        volume.close();
        catalog.delete(name);
        LOG.info("deleted volume {}", name);
        return "deleted volume " + name + "\n";
    }

    synchronized String listVolumes() {
        StringBuilder out = new StringBuilder(String.format("%-20s %12s %8s  %s%n", "NAME", "SIZE", "SESSIONS", "TARGET"));
        for (Volume volume : volumes.values()) {
            String target = targetName(volume.name);
            out.append(String.format("%-20s %12s %8d  %s%n", volume.name, Sizes.format(volume.sizeBytes),
                    targets.sessionCount(target), target));
        }
        return out.toString();
    }

    synchronized String createSnapshot(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        VolumeNames.check(name);
        Volume volume = volume(volumeName);
        LogicalUnit unit = volume.snapshots().createSnapshot(name);
        String target = targetName(volumeName, name);
        FileReservationStore.of(catalog.volumeDir(volumeName), name).save(""); // a deleted namesake's state
        exportTarget(volumeName, name, unit);
        return "created snapshot " + name + " of volume " + volumeName + ", served as " + target + " LUN 0\n";
    }

    synchronized String deleteSnapshot(String volumeName, String name, boolean force)
            throws ConfigException, SnapshotException, IOException {
        Volume volume = volume(volumeName);
        String target = targetName(volumeName, name);
        int sessions = targets.sessionCount(target);
        if (sessions > 0 && !force) {
            throw new ConfigException("snapshot " + name + " has " + sessions + " active session(s); log them out"
                    + " first, or add --force to disconnect them");
        }
        volume.snapshots().deleteSnapshot(name);
        targets.withdraw(target);
        FileReservationStore.of(catalog.volumeDir(volumeName), name).save(""); // reservations go with the target
        return "deleted snapshot " + name + " of volume " + volumeName
                + "; its space is reclaimed in the background (`snapshare status` shows progress)\n";
    }

    synchronized String rollback(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        volume(volumeName).snapshots().rollback(name);
        return "rolling the origin of volume " + volumeName + " back to snapshot " + name
                + " (online; other snapshots keep their content)\n";
    }

    /** "idle", or the rollback's progress. */
    synchronized String rollbackStatus(String volumeName) throws ConfigException {
        return volume(volumeName).snapshots().rollbackStatus().orElse("idle") + "\n";
    }

    synchronized String listSnapshots(String volumeName) throws ConfigException, IOException {
        Volume volume = volume(volumeName);
        StringBuilder out = new StringBuilder(String.format("%-20s %-20s %-13s %10s %8s  %s%n", "NAME", "CREATED",
                "STATE", "OWNED", "SESSIONS", "TARGET / WORK"));
        for (SnapshotStatus row : volume.snapshots().snapshots()) {
            String target = targetName(volumeName, row.name());
            out.append(String.format("%-20s %-20s %-13s %10s %8d  %s%n", row.name(),
                    row.created().truncatedTo(ChronoUnit.SECONDS).toString(), row.state(),
                    Sizes.format(row.ownedBytes()), targets.sessionCount(target),
                    row.work().isEmpty() ? target : row.work()));
        }
        return out.toString();
    }

    synchronized String status() {
        Duration uptime = Duration.between(started, Instant.now()).withNanos(0);
        return "snapshare " + Version.get() + "\n"
                + "data dir:    " + config.dataDir().toAbsolutePath() + "\n"
                + "portal:      " + iscsi.boundAddress().getAddress().getHostAddress() + ":"
                + iscsi.boundAddress().getPort() + "\n"
                + "uptime:      " + uptime.toString().substring(2).toLowerCase() + "\n"
                + "volumes:     " + volumes.size() + "\n"
                + "connections: " + iscsi.connectionCount() + "\n"
                + volumeStatus();
    }

    private String volumeStatus() {
        StringBuilder out = new StringBuilder();
        for (Volume volume : volumes.values()) {
            long[] usage = volume.snapshots().storeUsage();
            out.append(String.format("volume %s: %d snapshot(s), exception store %s used of %s%n", volume.name,
                    volume.snapshots().servedSnapshots().size(), Sizes.format(usage[0]), Sizes.format(usage[1])));
            for (String work : volume.snapshots().backgroundWork()) {
                out.append("  ").append(work).append('\n');
            }
        }
        return out.toString();
    }

    /** Stops serving, flushes and closes every volume, releases the data directory. */
    @Override
    public synchronized void close() throws IOException {
        IOException failure = null;
        for (Closeable part : new Closeable[] {control, iscsi}) {
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
        lock.close();
        LOG.info("snapshare stopped");
        if (failure != null) {
            throw failure;
        }
    }
}
