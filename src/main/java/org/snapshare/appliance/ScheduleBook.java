package org.snapshare.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.snapshare.device.DurableFiles;

/**
 * Where a volume's schedule is written down: the config key
 * {@code schedule.VOLUME} when the config sets one (then it is the config's
 * to change), else the volume's {@code schedule} file that `schedule set`
 * writes. Read at every look, so every node of a cluster sees a change.
 */
final class ScheduleBook {

    static final String FILE = "schedule";
    static final String CONFIG_PREFIX = "schedule.";

    private final ApplianceConfig config;
    private final VolumeCatalog catalog;

    ScheduleBook(ApplianceConfig config, VolumeCatalog catalog) {
        this.config = config;
        this.catalog = catalog;
    }

    /** Refuses a config whose schedule.VOLUME keys do not parse (checked at start, before anything is served). */
    static void checkConfig(ApplianceConfig config) throws ConfigException {
        for (String key : config.keys()) {
            if (key.startsWith(CONFIG_PREFIX)) {
                SchedulePolicy.parse(config.optional(key).orElse(""));
            }
        }
    }

    /** The schedule and where it comes from ("config" or "set"), if the volume has one. */
    record Entry(SchedulePolicy policy, String source) {
    }

    Optional<Entry> entry(String volume) throws ConfigException, IOException {
        Optional<String> configured = config.optional(CONFIG_PREFIX + volume);
        if (configured.isPresent()) {
            return Optional.of(new Entry(SchedulePolicy.parse(configured.get()), "config"));
        }
        try {
            String text = Files.readString(file(volume), StandardCharsets.UTF_8).strip();
            return Optional.of(new Entry(SchedulePolicy.parse(text), "set"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    void set(String volume, SchedulePolicy policy) throws ConfigException, IOException {
        refuseConfigured(volume);
        DurableFiles.replace(file(volume), (policy.text() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** False if the volume had no schedule set. */
    boolean clear(String volume) throws ConfigException, IOException {
        refuseConfigured(volume);
        return DurableFiles.remove(file(volume));
    }

    private void refuseConfigured(String volume) throws ConfigException {
        if (config.optional(CONFIG_PREFIX + volume).isPresent()) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "the config file sets " + CONFIG_PREFIX
                    + volume + ": change the schedule there and restart the server");
        }
    }

    private Path file(String volume) {
        return catalog.volumeDir(volume).resolve(FILE);
    }
}
