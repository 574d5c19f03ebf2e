package org.snapshare.stream;

import java.io.IOException;
import java.util.Optional;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;

/**
 * What an import needs of the appliance: its volumes, a new one for a full
 * stream, the right to import into one while other nodes might, and serving
 * the result.
 */
public interface ReceiveTarget {

    Optional<SnapshotCore> volume(String name);

    /** Refuses a snapshot name this appliance cannot serve (the stream's, which came from elsewhere). */
    void checkSnapshotName(String name) throws SnapshotException;

    /** Creates and serves an empty volume of {@code sizeBytes} (a full stream's target). */
    SnapshotCore createVolume(String name, long sizeBytes) throws IOException;

    /** Initiator sessions on the volume's origin, through every node: a volume that receives is a replica, not in use. */
    int originSessions(String name) throws IOException;

    /** The right to import into one volume, held for the import's length. */
    interface ImportClaim extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /**
     * Claims importing into {@code name} against the other nodes of a
     * cluster (this node keeps its own imports apart); empty while another
     * node imports into it.
     */
    Optional<ImportClaim> claimImport(String name) throws IOException;

    /** Serves a received snapshot as its own target. */
    void snapshotReceived(String volume, String snapshot, LogicalUnit unit) throws IOException;
}
