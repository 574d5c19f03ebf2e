package org.snapshare.iscsi.scsi;

import java.util.Map;

/**
 * What persistent reservations keep across a power loss (APTPL) or share
 * between the nodes of a cluster: whether APTPL asked for it, the PRgeneration,
 * each registered I_T nexus with its key, and the reservation (type 0: none;
 * holder null for the all-registrants types). {@link ReservationForm} is its
 * text form.
 */
record ReservationState(boolean aptpl, int generation, Map<String, Long> keys, int type, String holder) {

    ReservationState {
        keys = Map.copyOf(keys);
    }
}
