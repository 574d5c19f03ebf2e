package org.snapshare.appliance;

import java.util.List;
import org.snapshare.snapshot.ChangedRun;
import org.snapshare.snapshot.VolumeDiff;

/** Where {@code to} differs from {@code from}, for programs: `snapshot diff --json` and the API. */
public record DiffRuns(String volume, String from, String to, long size, int chunkSize, long changedBytes,
        List<ChangedRun> runs) {

    static DiffRuns of(String volume, String from, String to, VolumeDiff diff) {
        return new DiffRuns(volume, from, to, diff.sizeBytes(), diff.chunkSize(), diff.changedBytes(), diff.runs());
    }
}
