package org.snapshare.iscsi.scsi;

import java.io.IOException;

/**
 * Where a logical unit's reservation changes, and the unit attentions they
 * raise, go beyond this node's memory: {@link LocalUnitState} for a unit one
 * node serves, {@link ClusterUnitState} for one the nodes of a cluster share.
 * Callers hold the {@link Reservations}' lock across a change and its
 * {@link #changed}.
 */
interface UnitState {

    /** Raises {@code code} for {@code port}'s nexuses, on every node that serves the unit. */
    void raiseFor(String port, SenseCode code);

    /** Raises {@code code} for every nexus, on every node that serves the unit. */
    void raiseForAll(SenseCode code);

    /** Saves what the reservations (and the attentions raised since) now are, where they are kept. */
    void changed() throws IOException;
}
