package org.snapshare.appliance;

import java.io.IOException;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;

/**
 * The long operations the API starts as jobs: each calls the operation the
 * control socket calls and follows it through the volume's own progress and
 * failure reports (docs/API.md).
 */
public final class VolumeJobs {

    private final Appliance appliance;
    private final Jobs jobs;

    VolumeJobs(Appliance appliance, Jobs jobs) {
        this.appliance = appliance;
        this.jobs = jobs;
    }

    /** Starts a rollback (as `snapshot rollback`); the job ends when the origin holds the snapshot's content. */
    public Jobs.Job rollback(String volumeName, String name) throws ConfigException, SnapshotException, IOException {
        SnapshotCore core = appliance.core(volumeName);
        return jobs.run("rollback", volumeName, name, () -> appliance.rollback(volumeName, name),
                new Jobs.Watch(core::rollbackProgress, core::rollbackFailure,
                        () -> "the origin of volume " + volumeName + " holds snapshot " + name + "'s content"));
    }

    /**
     * Deletes a snapshot (as `snapshot delete`) and follows the reclaiming of
     * its space as a job, which ends when background delete is idle.
     */
    public Jobs.Job deleteSnapshot(String volumeName, String snapshot, boolean force)
            throws ConfigException, SnapshotException, IOException {
        SnapshotCore core = appliance.core(volumeName);
        return jobs.run("delete", volumeName, snapshot, () -> appliance.deleteSnapshot(volumeName, snapshot, force),
                new Jobs.Watch(core::reclaimProgress, core::reclaimFailure,
                        () -> "the space of snapshot " + snapshot + " (and any deleted with it) is free"));
    }

    /** Starts a scrub (as `scrub`) and follows it as a job. */
    public Jobs.Job scrub(String volumeName, long bytesPerSecond)
            throws ConfigException, SnapshotException, IOException {
        SnapshotCore core = appliance.core(volumeName);
        return jobs.run("scrub", volumeName, "", () -> appliance.startScrub(volumeName, bytesPerSecond),
                new Jobs.Watch(core::scrubProgress, core::scrubFailure,
                        () -> core.scrubStatus().orElse("scrub finished")));
    }
}
