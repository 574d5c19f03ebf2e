package org.snapshare.iscsi;

import java.time.Instant;

/**
 * A logged-in session as the API shows it: the target, the initiator's
 * name and port (name and ISID: its I_T nexus), where it connects from,
 * since when, and whether it checks digests.
 */
public record SessionInfo(String target, String initiatorName, String initiatorPort, String address, Instant since,
        boolean headerDigest, boolean dataDigest) {
}
