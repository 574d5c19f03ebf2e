package org.snapshare.stream;

import java.io.IOException;
import java.util.Optional;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;

/** What an import needs of the appliance: its volumes, a new one for a full stream, and serving the result. */
public interface ReceiveTarget {

    Optional<SnapshotCore> volume(String name);

    /** Refuses a snapshot name this appliance cannot serve (the stream's, which came from elsewhere). */
    void checkSnapshotName(String name) throws SnapshotException;

    /** Creates and serves an empty volume of {@code sizeBytes} (a full stream's target). */
    SnapshotCore createVolume(String name, long sizeBytes) throws IOException;

    /** Initiator sessions on the volume's origin: a volume that receives is a replica, not in use. */
    int originSessions(String name);

    /** Serves a received snapshot as its own target. */
    void snapshotReceived(String volume, String snapshot, LogicalUnit unit) throws IOException;
}
