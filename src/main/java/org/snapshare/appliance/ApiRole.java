package org.snapshare.appliance;

import java.util.Locale;

/**
 * What an API token may do, each role including the ones below it: a viewer
 * reads, an operator also takes, deletes and rolls back snapshots, an admin
 * does everything (volumes, access, schedules).
 */
public enum ApiRole {
    VIEWER, OPERATOR, ADMIN;

    /** Whether a token of this role may do what needs {@code needed}. */
    public boolean includes(ApiRole needed) {
        return compareTo(needed) >= 0;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ApiRole parse(String word) throws ConfigException {
        for (ApiRole role : values()) {
            if (role.word().equals(word)) {
                return role;
            }
        }
        throw new ConfigException("unknown role '" + word + "': use admin, operator (snapshots only) or viewer"
                + " (read only)");
    }
}
