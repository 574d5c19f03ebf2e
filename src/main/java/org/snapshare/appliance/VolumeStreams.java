package org.snapshare.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.snapshot.VolumeDiff;
import org.snapshare.stream.InterruptedImport;
import org.snapshare.stream.SnapshotExport;
import org.snapshare.stream.SnapshotReceive;

/** What changed between snapshots, and the streams that carry snapshots off the box and back (docs/STREAM.md). */
public final class VolumeStreams {

    private static final Logger LOG = LoggerFactory.getLogger(VolumeStreams.class);

    private final Appliance appliance;
    private final SnapshotReceive receiver;

    VolumeStreams(Appliance appliance, Path receivingDir) {
        this.appliance = appliance;
        this.receiver = new SnapshotReceive(receivingDir, new ImportTarget(appliance));
    }

    /** Finishes (or drops) imports a stop cut short, once the volumes are open. */
    void completeInterrupted() {
        receiver.completeInterrupted();
    }

    /** Where `snapshot diff` from {@code from} to {@code to} (a snapshot or "origin") changed; text or JSON. */
    public String diff(String volumeName, String from, String to, boolean json)
            throws ConfigException, SnapshotException, IOException {
        VolumeDiff diff = volumeDiff(volumeName, from, to);
        return json ? DiffReport.json(DiffRuns.of(volumeName, from, to, diff))
                : DiffReport.text(volumeName, from, to, diff);
    }

    public DiffRuns diffRuns(String volumeName, String from, String to)
            throws ConfigException, SnapshotException, IOException {
        return DiffRuns.of(volumeName, from, to, volumeDiff(volumeName, from, to));
    }

    private VolumeDiff volumeDiff(String volumeName, String from, String to)
            throws ConfigException, SnapshotException, IOException {
        return appliance.core(volumeName).diff(Optional.of(from), to.equals(DiffReport.ORIGIN) ? Optional.empty()
                : Optional.of(to));
    }

    /** Writes a stream of the snapshot to {@code out} (docs/STREAM.md); I/O to the volume goes on meanwhile. */
    public void exportSnapshot(String volumeName, String snapshot, Optional<String> base, long resumeFrom,
            OutputStream out) throws ConfigException, SnapshotException, IOException {
        SnapshotCore core = appliance.core(volumeName);
        SnapshotExport.run(volumeName, core, snapshot, base, resumeFrom, out);
        LOG.info("volume {}: exported snapshot {}{}", volumeName, snapshot, base.map(b -> " since " + b).orElse(""));
    }

    /** Receives a stream into {@code volumeName} (a new volume for a full stream); the report. */
    public String importSnapshot(String volumeName, InputStream in, boolean force, boolean resume)
            throws ConfigException, SnapshotException, IOException {
        VolumeNames.check(volumeName);
        return receiver.receive(volumeName, in, force, resume);
    }

    /** An import into the volume that stopped and can be resumed (replication asks before it sends). */
    public Optional<InterruptedImport> interruptedImport(String volumeName) throws ConfigException, IOException {
        return receiver.interrupted(VolumeNames.check(volumeName));
    }

    /** Imports under way, a line each, by volume (a full stream's volume may not exist yet). */
    Map<String, String> importProgress() {
        return receiver.progress();
    }
}
