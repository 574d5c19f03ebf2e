package org.snapshare.appliance;

import java.time.Instant;

/**
 * A volume's schedule as `schedule list` and the API show it: the rules,
 * where they are written ("config" or "set"), the scheduled snapshots there
 * are now, and the last success and failure (null: none since start).
 */
public record ScheduleSummary(String volume, String policy, String source, int autoSnapshots, Instant lastSuccess,
        Instant lastFailure, String lastError) {
}
