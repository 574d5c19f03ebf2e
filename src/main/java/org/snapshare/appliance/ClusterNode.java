package org.snapshare.appliance;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.snapshare.cluster.SessionCounts;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.iscsi.TargetRegistry;
import org.snapshare.iscsi.scsi.TargetPortGroups;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.stream.ReceiveTarget;
import org.snapshare.store.ClusterLock;

/** One node of a ZooKeeper cluster (docs/CLUSTER.md): volume locks, its ALUA port group, following the others. */
final class ClusterNode implements Membership {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    private final ZooKeeperCluster cluster;
    /** This node's ALUA port group, which is also its portal group tag. */
    private final int portGroup;
    /** This node's sessions per volume, published for the others' `volume delete`. */
    private final SessionCounts sessionCounts;
    /** Set once at start, before other threads look. */
    private volatile ClusterSync sync;

    private ClusterNode(ZooKeeperCluster cluster, int portGroup) {
        this.cluster = cluster;
        this.sessionCounts = new SessionCounts(cluster);
        this.portGroup = portGroup;
    }

    /** Connects to the ensemble as {@code node} and joins with the portal initiators should use. */
    static ClusterNode join(String zookeeper, String node, Duration sessionTimeout, String portal)
            throws IOException {
        ZooKeeperCluster cluster = ZooKeeperCluster.connect(zookeeper, node, sessionTimeout, CONNECT_TIMEOUT);
        try {
            cluster.join(portal);
            return new ClusterNode(cluster, cluster.portGroup());
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    @Override
    public ClusterLock lockFor(String volume) {
        return cluster.lockFor(volume);
    }

    @Override
    public TargetPortGroups portGroups(String volume, SnapshotCore core) {
        return new ClusterPortGroups(cluster, portGroup, volume, core);
    }

    @Override
    public void tagPortals(TargetRegistry targets) {
        targets.portalGroupTag(portGroup);
    }

    @Override
    public boolean runsHere(SnapshotCore core) {
        return core.lockStatus().held(); // the one node holding the volume's lock
    }

    @Override
    public boolean alone() {
        return false;
    }

    @Override
    public Optional<ReceiveTarget.ImportClaim> claimImport(String volume) throws IOException {
        return cluster.claimImport(volume).map(claim -> claim::close);
    }

    @Override
    public void created(String volume) throws IOException {
        cluster.claimActive(volume);
    }

    @Override
    public Map<String, SessionCounts.Sessions> sessionsElsewhere(String volume) throws IOException {
        return sessionCounts.elsewhere(volume);
    }

    @Override
    public void follow(Appliance appliance) {
        sync = new ClusterSync(appliance, cluster, sessionCounts);
        sync.start();
    }

    @Override
    public void forget(String volume) {
        if (sync != null) {
            sync.forget(volume);
        }
    }

    @Override
    public void stopFollowing() {
        if (sync != null) {
            sync.close();
        }
    }

    @Override
    public Optional<ZooKeeperCluster> cluster() {
        return Optional.of(cluster);
    }

    @Override
    public String describe() {
        return " as cluster node " + cluster.nodeName();
    }

    @Override
    public void close() {
        try {
            sessionCounts.close();
        } catch (IOException e) {
            // the session ends below anyway, and the ephemeral node with it
        }
        cluster.close();
    }
}
