package org.snapshare.appliance;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.cluster.SessionCounts;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.snapshot.LockStatus;
import org.snapshare.util.IoAction;

/**
 * A cluster node's view of what the others do (docs/CLUSTER.md): once a
 * second it serves the volumes and snapshots other nodes made, drops what
 * they deleted, serves the size they resized a volume to, publishes its own
 * session counts (for the others' volume delete) and follows each volume's
 * active (ALUA optimized) node, telling initiators when it changes.
 */
final class ClusterSync {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSync.class);
    /** How often a node looks for volumes and snapshots the other nodes made or removed. */
    private static final Duration SYNC = Duration.ofSeconds(1);
    /** How long a node holds a volume's lock before it becomes the volume's active node. */
    private static final Duration ACTIVE_AFTER = Duration.ofSeconds(10);

    private final Appliance appliance;
    private final ZooKeeperCluster cluster;
    /** Each volume's active node as reported at the last look ("" for none yet), to tell initiators when it changes. */
    private final Map<String, String> activeNodes = new TreeMap<>();
    private final BackgroundLoop loop;
    private final SessionCounts sessions;

    ClusterSync(Appliance appliance, ZooKeeperCluster cluster, SessionCounts sessions) {
        this.appliance = appliance;
        this.cluster = cluster;
        this.sessions = sessions;
        this.loop = new BackgroundLoop("cluster-sync", SYNC, this::pass);
    }

    void start() {
        loop.start();
    }

    void close() {
        loop.close();
    }

    /** A volume no longer served here. */
    void forget(String volume) {
        activeNodes.remove(volume);
    }

    private void pass() {
        try {
            synchronized (appliance) {
                sync();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cluster sync failed: {}; trying again", e.getMessage());
        }
    }

    private void sync() throws IOException {
        Set<String> onDisk = new TreeSet<>(appliance.catalog().names());
        Set<String> served = appliance.volumeNames();
        for (String name : onDisk) {
            if (!served.contains(name)) {
                syncOne(name, () -> {
                    appliance.serveOpened(appliance.catalog().open(name));
                    LOG.info("volume {} appeared (another node created it): now served here too", name);
                });
            }
        }
        for (String name : served) {
            if (!onDisk.contains(name)) {
                Volume gone = appliance.unserve(name);
                syncOne(name, gone::close);
                LOG.info("volume {} was deleted on another node: no longer served here", name);
            }
        }
        for (Volume volume : appliance.volumesNow()) {
            syncOne(volume.name, () -> {
                followActiveNode(volume);
                appliance.followResize(volume);
                appliance.serveSnapshots(volume);
            });
        }
        sessions.publish(appliance.sessionCounts());
    }

    /** One volume's part of a sync; a failure is logged and retried next time, the other volumes go on. */
    private static void syncOne(String volume, IoAction sync) {
        try {
            sync.run();
        } catch (IOException | RuntimeException e) {
            LOG.warn("cluster sync of volume {} failed: {}; trying again", volume, e.getMessage());
        }
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
        if (lock.held() && lock.heldFor().compareTo(ACTIVE_AFTER) >= 0
                && !cluster.activeNode(volume.name).equals(Optional.of(cluster.nodeName()))) {
            cluster.claimActive(volume.name);
            LOG.info("volume {}: this node is its active (ALUA optimized) node now", volume.name);
        }
        // What REPORT TARGET PORT GROUPS says, which before any claim is the lock's holder: a holder claiming
        // the volume changes nothing initiators see, so it raises no unit attention.
        String now = ClusterPortGroups.activeNode(cluster, volume.name, volume.core()).orElse("");
        String before = activeNodes.put(volume.name, now);
        if (before != null && !before.equals(now)) {
            appliance.targets().accessStateChanged(appliance.targetName(volume.name));
            for (String snapshot : appliance.exportedSnapshots(volume)) {
                appliance.targets().accessStateChanged(appliance.targetName(volume.name, snapshot));
            }
        }
    }
}
