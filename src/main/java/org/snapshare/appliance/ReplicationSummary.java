package org.snapshare.appliance;

import java.time.Instant;

/**
 * A volume's replication as `replicate list`, the API and the console show
 * it: where to, the retention kept there, the last snapshot sent, the last
 * success and failure (null: none since start) and the lag, in seconds and
 * bytes behind the newest scheduled snapshot.
 */
public record ReplicationSummary(String volume, String to, String keep, String lastSent, Instant lastSuccess,
        Instant lastFailure, String lastError, long lagSeconds, long lagBytes) {
}
