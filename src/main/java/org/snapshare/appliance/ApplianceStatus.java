package org.snapshare.appliance;

import java.time.Instant;
import java.util.List;

/**
 * The server as the API's status shows it: version, since when it runs,
 * where it serves, load, its cluster node ("" for a single node) and every
 * volume's summary with its background work.
 */
public record ApplianceStatus(String version, Instant started, String portal, int connections, int sessions,
        String clusterNode, List<VolumeSummary> volumes, List<String> work) {
}
