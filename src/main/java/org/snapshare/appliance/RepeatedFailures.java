package org.snapshare.appliance;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The log of work retried on a timer (schedules, replication): a failure is
 * a warning when it starts or changes, not at every retry, and its end is
 * told once.
 */
final class RepeatedFailures {

    private final Logger log;
    /** The failure each volume's work is in, by volume. */
    private final Map<String, String> failing = new ConcurrentHashMap<>();

    RepeatedFailures(Logger log) {
        this.log = log;
    }

    void failed(String volume, String work, Exception e, Duration retry) {
        String message = String.valueOf(e.getMessage());
        if (message.equals(failing.put(volume, message))) {
            log.debug("{} of volume {} failed again: {}", work, volume, message);
        } else {
            log.warn("{} of volume {} failed: {}; trying again every {} s (said once until it changes)", work,
                    volume, message, retry.toSeconds());
        }
    }

    void succeeded(String volume, String work) {
        if (failing.remove(volume) != null) {
            log.info("{} of volume {} works again", work, volume);
        }
    }
}
