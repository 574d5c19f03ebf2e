package org.snapshare.appliance;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Which targets are served write-protected (WRITE PROTECTED to every write,
 * WP in MODE SENSE). From the config, most specific first:
 * {@code read-only.VOLUME.SNAPSHOT} or {@code read-only.VOLUME} (the origin)
 * for one target; then, for snapshots, {@code snapshots-read-only.VOLUME}
 * and {@code snapshots-read-only}. Values are yes or no; default no.
 */
final class ReadOnlyPolicy {

    private final Map<String, Boolean> flags;

    private ReadOnlyPolicy(Map<String, Boolean> flags) {
        this.flags = flags;
    }

    /** The policy of {@code config}; a value other than yes/no is refused at start. */
    static ReadOnlyPolicy from(ApplianceConfig config) throws ConfigException {
        Map<String, Boolean> flags = new HashMap<>();
        for (String key : config.keys()) {
            if (isReadOnlyKey(key)) {
                String value = config.optional(key).orElse("no").toLowerCase(Locale.ROOT);
                if (!value.equals("yes") && !value.equals("no")) {
                    throw new ConfigException(key + " = " + value + ": use yes or no");
                }
                flags.put(key, value.equals("yes"));
            }
        }
        return new ReadOnlyPolicy(flags);
    }

    /** Whether a config key sets a write protection. */
    static boolean isReadOnlyKey(String key) {
        return key.equals("snapshots-read-only") || key.startsWith("snapshots-read-only.")
                || key.startsWith("read-only.");
    }

    /** True when the origin of {@code volume} ({@code snapshot} null) or that snapshot is read-only. */
    boolean readOnly(String volume, String snapshot) {
        Stream<String> keys = snapshot == null ? Stream.of("read-only." + volume)
                : Stream.of("read-only." + volume + "." + snapshot, "snapshots-read-only." + volume,
                        "snapshots-read-only");
        return keys.map(flags::get).filter(Objects::nonNull).findFirst().orElse(false);
    }
}
