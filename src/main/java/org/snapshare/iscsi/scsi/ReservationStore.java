package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.util.Optional;

/**
 * Where a logical unit keeps its persistent reservations while an initiator
 * asks for them to survive a power loss (APTPL). Without one, APTPL is not
 * offered (PTPL_C 0).
 */
public interface ReservationStore {

    /** The state saved last, if any. */
    Optional<String> load() throws IOException;

    /** Replaces the saved state atomically and durably; an empty state removes it. */
    void save(String state) throws IOException;
}
