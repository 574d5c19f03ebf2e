package org.snapshare.iscsi.scsi;

import java.util.Optional;

/**
 * A reservation store in memory that outlives the processors built on it,
 * as a file outlives the server (and as the file the nodes of a cluster
 * share): "" is nothing saved.
 */
final class MemoryReservationStore implements ReservationStore {

    volatile String state = "";
    volatile int saves;

    @Override
    public Optional<String> load() {
        return state.isEmpty() ? Optional.empty() : Optional.of(state);
    }

    @Override
    public synchronized void save(String newState) {
        state = newState;
        saves++;
    }
}
