package org.snapshare.appliance;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/**
 * Names of scheduled snapshots: "auto-" and the UTC time taken, ISO 8601's
 * basic format in lower case (snapshot names are lower-case letters, digits
 * and '-'), e.g. auto-20261204t100002z; they sort by time.
 */
public final class AutoSnapshotNames {

    public static final String PREFIX = "auto-";
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private AutoSnapshotNames() {
    }

    public static String name(Instant taken) {
        return PREFIX + FORMAT.format(taken.truncatedTo(ChronoUnit.SECONDS)).toLowerCase(Locale.ROOT);
    }

    /** When a scheduled snapshot was taken, from its name; empty for any other name. */
    public static Optional<Instant> taken(String name) {
        if (!name.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.from(FORMAT.parse(name.substring(PREFIX.length())
                    .toUpperCase(Locale.ROOT))));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
