package org.snapshare.appliance;

import java.util.List;
import java.util.Map;

/**
 * The cluster as the API shows it: this node, the ZooKeeper ensemble, the
 * members (node name to portal) and, per volume, who holds its lock and
 * which node is its active (ALUA optimized) one. A single node: empty node
 * and no members.
 */
public record ClusterSummary(String node, String zookeeper, Map<String, String> members, List<VolumeLock> volumes) {

    /** One volume's lock: its holder ("" for nobody yet), whether that is this node, and the active node. */
    public record VolumeLock(String volume, String holder, boolean heldHere, long generation, long handovers,
            String activeNode) {
    }
}
