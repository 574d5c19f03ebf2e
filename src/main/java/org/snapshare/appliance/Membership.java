package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.snapshare.cluster.SessionCounts;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.iscsi.TargetRegistry;
import org.snapshare.iscsi.scsi.TargetPortGroups;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.stream.ReceiveTarget;
import org.snapshare.store.ClusterLock;

/**
 * This node's place among the nodes that serve the data directory's
 * volumes: alone ({@link LoneNode}), or one node of a ZooKeeper cluster
 * ({@link ClusterNode}, docs/CLUSTER.md). The appliance asks it what
 * differs instead of testing for a cluster.
 */
interface Membership extends Closeable {

    /** The lock a volume is served under. */
    ClusterLock lockFor(String volume);

    /** The ALUA port groups of a volume's targets; null when alone (the targets report none). */
    TargetPortGroups portGroups(String volume, SnapshotCore core);

    /** Marks this node's portals on the targets (a cluster node is its own portal group). */
    void tagPortals(TargetRegistry targets);

    /** Whether this node runs the volume's schedules and replication. */
    boolean runsHere(SnapshotCore core);

    /**
     * Whether this node is the only one: then it makes the default volume at
     * its first start; a cluster's volumes are made by a user, on purpose.
     */
    boolean alone();

    /**
     * A volume was made here. In a cluster this node is its active (ALUA
     * optimized) node from the start, so its port group states never change
     * until the lock settles elsewhere.
     */
    void created(String volume) throws IOException;

    /** The iSCSI sessions other nodes have on {@code volume} and its snapshots, by node (as of their last sync). */
    Map<String, SessionCounts.Sessions> sessionsElsewhere(String volume) throws IOException;

    /** Claims importing into {@code volume} against the other nodes; empty while another one imports into it. */
    Optional<ReceiveTarget.ImportClaim> claimImport(String volume) throws IOException;

    /** Starts following what the other nodes do. */
    void follow(Appliance appliance);

    /** A volume no longer served here. */
    void forget(String volume);

    /** Stops following the other nodes (before the volumes close; the membership closes after them). */
    void stopFollowing();

    /** The cluster, for reports. */
    Optional<ZooKeeperCluster> cluster();

    /** How the start-up log line names this node: "" alone. */
    String describe();

    @Override
    void close() throws IOException;
}
