package org.snapshare.appliance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snapshare.iscsi.scsi.TargetPortGroups;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.cluster.ZooKeeperCluster;

/**
 * The ALUA port groups of a clustered volume's targets: one per live node.
 * The volume's active node (the one that has held its lock a while) is
 * active/optimized, the others active/non-optimized: I/O through them works,
 * but first takes the lock over (docs/CLUSTER.md says why not standby).
 */
final class ClusterPortGroups implements TargetPortGroups {

    private final ZooKeeperCluster cluster;
    private final int local;
    private final String volume;
    private final SnapshotCore core;

    ClusterPortGroups(ZooKeeperCluster cluster, int local, String volume, SnapshotCore core) {
        this.cluster = cluster;
        this.local = local;
        this.volume = volume;
        this.core = core;
    }

    @Override
    public int local() {
        return local;
    }

    /**
     * The node to prefer: the live one that claimed it after holding the
     * lock a while (see ClusterSync) or when it made the volume, else the
     * lock's holder or last holder (so right after a failover the survivor).
     */
    static Optional<String> activeNode(ZooKeeperCluster cluster, String volume, SnapshotCore core)
            throws IOException {
        Optional<String> claimed = cluster.activeNode(volume);
        if (claimed.isPresent() && cluster.isMember(claimed.get())) {
            return claimed;
        }
        return core.lockStatus().held() ? Optional.of(cluster.nodeName()) : cluster.lastHolder(volume);
    }

    @Override
    public List<PortGroup> groups() throws IOException {
        Optional<String> holder = activeNode(cluster, volume, core);
        Map<String, Integer> numbers = cluster.portGroups();
        List<PortGroup> groups = new ArrayList<>();
        for (String node : cluster.members().keySet()) {
            Integer number = numbers.get(node);
            if (number != null) {
                groups.add(new PortGroup(number, holder.map(node::equals).orElse(false)
                        ? AccessState.ACTIVE_OPTIMIZED : AccessState.ACTIVE_NON_OPTIMIZED));
            }
        }
        return groups;
    }
}
