package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts at random moments of a recorded run of the packaged server, each
 * image checked, served and read back against the client's model
 * ({@link PowerCutTrial}). A new seed every run (in the failure message;
 * -Dsnapshare.it.seed=N replays one); bench/power-cut-soak.sh runs many.
 */
class PowerCutIT {

    private static final int OPERATIONS = 250;
    private static final int CUTS = 6;

    @Test
    void everyCutChecksCleanAndKeepsWhatWasFlushed(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        long seed = Long.getLong("snapshare.it.seed", System.nanoTime());
        PowerCutTrial.Report report = new PowerCutTrial(dir, seed).run(OPERATIONS, CUTS);
        // What makes the cuts worth checking: copies into the store, and unflushed writes a cut could lose.
        assertTrue(report.changes().getOrDefault("store.img write", 0) > 0, "no copy-on-write: " + report);
        assertTrue(report.drawnPages() > 0, "no cut fell where unflushed writes were pending");
        assertEquals("[]", report.failures().toString(), "seed " + seed + "; operations and images kept in " + dir);
    }
}
