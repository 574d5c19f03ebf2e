package org.snapshare.iscsi.scsi;

import java.util.List;

/**
 * What a logical unit's nodes share beside its data: the persistent
 * reservations, the SPC-2 RESERVE (null: none) and the last unit attentions
 * raised for every node's nexuses, oldest first. Alone, only the persistent
 * reservations are kept (and only for APTPL). {@link ReservationForm} is its
 * text form.
 */
record SharedUnitState(ReservationState reservations, LegacyReservation legacy, List<SharedAttention> attentions) {

    SharedUnitState {
        attentions = List.copyOf(attentions);
    }

    /** Persistent reservations alone: what a unit of one node keeps. */
    static SharedUnitState of(ReservationState reservations) {
        return new SharedUnitState(reservations, null, List.of());
    }
}
