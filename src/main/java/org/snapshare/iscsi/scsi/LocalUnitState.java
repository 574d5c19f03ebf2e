package org.snapshare.iscsi.scsi;

import java.io.IOException;

/**
 * The state of a unit one node serves: unit attentions reach this node's
 * nexuses; persistent reservations are saved (when the unit has a store)
 * only while an initiator asks for them to survive a power loss (APTPL).
 * The SPC-2 RESERVE never is: it ends with the server.
 */
final class LocalUnitState implements UnitState {

    private final Reservations reservations;
    private final UnitAttentions attentions;
    private final ReservationStore store; // null: nothing outlives the server
    private String saved; // what the store holds, so only changes are written

    LocalUnitState(Reservations reservations, UnitAttentions attentions, ReservationStore store) {
        this.reservations = reservations;
        this.attentions = attentions;
        this.store = store;
        this.saved = form();
    }

    private String form() {
        ReservationState state = reservations.state();
        return state.aptpl() ? ReservationForm.write(SharedUnitState.of(state)) : "";
    }

    @Override
    public void raiseFor(String port, SenseCode code) {
        attentions.raiseFor(port, code);
    }

    @Override
    public void raiseForAll(SenseCode code) {
        attentions.raise(code, null);
    }

    @Override
    public void changed() throws IOException {
        String state = form();
        if (store != null && !state.equals(saved)) {
            store.save(state);
            saved = state;
        }
    }
}
