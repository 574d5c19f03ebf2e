package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.util.List;

/**
 * ALUA (SPC-4, 5.16): the target port groups through which one logical unit
 * is reached, one per cluster node, each with one target port whose relative
 * identifier equals the group's. The states are implicit: the target sets
 * them (the node holding the volume's lock is active/optimized), initiators
 * cannot.
 */
public interface TargetPortGroups {

    /** The group (and relative target port) of the node answering. */
    int local();

    /** Every group and its state for this logical unit now, the local one included. */
    List<PortGroup> groups() throws IOException;

    /** One group: its id (1..65535) and asymmetric access state. */
    record PortGroup(int id, AccessState state) {
    }

    /** The states snapshare uses, with their codes. */
    enum AccessState {
        ACTIVE_OPTIMIZED(0x0),
        ACTIVE_NON_OPTIMIZED(0x1);

        final int code;

        AccessState(int code) {
            this.code = code;
        }
    }
}
