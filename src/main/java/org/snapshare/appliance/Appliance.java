package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.Version;
import org.snapshare.iscsi.IscsiServer;
import org.snapshare.iscsi.TargetRegistry;

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
    private final Instant started = Instant.now();
    private IscsiServer iscsi;
    private ControlServer control;

    private Appliance(ApplianceConfig config, DataDirLock lock) throws ConfigException {
        this.config = config;
        this.lock = lock;
        this.catalog = new VolumeCatalog(config.dataDir(), config.chunkSize());
    }

    /** Opens the data directory, its volumes and both sockets; serves until {@link #close()}. */
    public static Appliance start(ApplianceConfig config) throws ConfigException, IOException {
        InetSocketAddress portal = config.portal();
        config.chunkSize(); // refuse bad settings before taking the data dir
        config.storeFullPolicy();
        Appliance appliance = new Appliance(config,
                DataDirLock.acquire(config.dataDir(), "stop it first or use another --data-dir"));
        try {
            appliance.openVolumes(config);
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

    private void export(Volume volume) {
        volumes.put(volume.name, volume);
        targets.export(targetName(volume.name), volume.unit());
    }

    private String targetName(String volume) {
        return config.iqnPrefix() + ":" + volume;
    }

    synchronized String createVolume(String name, long sizeBytes) throws ConfigException, IOException {
        Volume volume = catalog.create(name, sizeBytes);
        export(volume);
        LOG.info("created volume {} ({})", name, Sizes.format(volume.sizeBytes));
        return "created volume " + name + " (" + Sizes.format(volume.sizeBytes) + "), served as "
                + targetName(name) + " LUN 0\n";
    }

    synchronized String deleteVolume(String name, boolean force) throws ConfigException, IOException {
        Volume volume = volumes.get(name);
        if (volume == null) {
            throw new ConfigException("no volume named " + name + "; `snapshare volume list` shows them");
        }
        int sessions = targets.sessionCount(targetName(name));
        if (sessions > 0 && !force) {
            throw new ConfigException("volume " + name + " has " + sessions + " active session(s); log them out"
                    + " first, or add --force to disconnect them");
        }
        targets.withdraw(targetName(name));
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

    synchronized String status() {
        Duration uptime = Duration.between(started, Instant.now()).withNanos(0);
        return "snapshare " + Version.get() + "\n"
                + "data dir:    " + config.dataDir().toAbsolutePath() + "\n"
                + "portal:      " + iscsi.boundAddress().getAddress().getHostAddress() + ":"
                + iscsi.boundAddress().getPort() + "\n"
                + "uptime:      " + uptime.toString().substring(2).toLowerCase() + "\n"
                + "volumes:     " + volumes.size() + "\n"
                + "connections: " + iscsi.connectionCount() + "\n";
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
