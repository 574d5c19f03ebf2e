package org.snapshare.appliance;

import java.util.Set;

/** The volumes the appliance serves, as work that runs on one node at a time sees them. */
interface ServedVolumes {

    Set<String> names();

    /** Whether this node does the volume's own work (in a cluster: the node holding its lock). */
    boolean runsHere(String volume);
}
