package org.snapshare.appliance;

import java.io.IOException;
import java.util.Optional;
import org.snapshare.cluster.SessionCounts;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.stream.ReceiveTarget;

/** What an import asks of the appliance (SnapshotReceive), each under its lock. */
final class ImportTarget implements ReceiveTarget {

    private final Appliance appliance;

    ImportTarget(Appliance appliance) {
        this.appliance = appliance;
    }

    @Override
    public Optional<SnapshotCore> volume(String name) {
        return appliance.served(name).map(Volume::core);
    }

    @Override
    public void checkSnapshotName(String name) throws SnapshotException {
        try {
            VolumeNames.checkSnapshot(name);
        } catch (ConfigException e) {
            throw new SnapshotException("the stream's snapshot: " + e.getMessage());
        }
    }

    @Override
    public SnapshotCore createVolume(String name, long sizeBytes) throws IOException {
        synchronized (appliance) {
            try {
                appliance.createVolume(VolumeSpec.ofSize(name, sizeBytes));
                return appliance.volumeNamed(name).core();
            } catch (ConfigException e) {
                throw new IOException("cannot create volume " + name + " for the stream: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public int originSessions(String name) throws IOException {
        int here;
        synchronized (appliance) {
            here = appliance.targets().sessionCount(appliance.targetName(name));
        }
        return here + appliance.membership().sessionsElsewhere(name).values().stream()
                .mapToInt(SessionCounts.Sessions::origin).sum();
    }

    @Override
    public Optional<ImportClaim> claimImport(String name) throws IOException {
        return appliance.membership().claimImport(name);
    }

    @Override
    public void snapshotReceived(String volume, String snapshot, LogicalUnit unit) throws IOException {
        synchronized (appliance) {
            appliance.serveNewSnapshot(volume, snapshot, unit);
        }
    }
}
