package org.snapshare.appliance;

import java.util.List;
import java.util.Map;

/**
 * Who may reach what, as the config sets it (docs/ACCESS.md): every access
 * key with secrets shown only as "(set)", and per target whether it is
 * write-protected. Read only through the API: the config file is root's
 * to change (it holds the secrets), then the server is restarted.
 */
public record AccessSummary(Map<String, String> settings, List<TargetAccess> targets) {

    /** One served target and whether its LUN refuses writes. */
    public record TargetAccess(String target, boolean readOnly) {
    }
}
