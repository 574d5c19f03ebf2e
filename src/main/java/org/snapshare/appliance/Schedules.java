package org.snapshare.appliance;

import java.io.Closeable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every volume's snapshot schedule (docs/SCHEDULES.md): once a second
 * it takes the snapshots that are due, named by time, and prunes the
 * scheduled snapshots no rule keeps, through the same operations a user
 * calls, so a held snapshot or one with sessions is never pruned (it is
 * tried again at the next tick). A missed slot (the server was down) is
 * taken once at the first tick, not replayed.
 */
final class Schedules implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Schedules.class);
    static final Duration TICK = Duration.ofSeconds(1);

    /** What the schedules ask of the appliance. */
    interface Volumes extends ServedVolumes {
        /** The volume's schedule, if it has one. */
        Optional<SchedulePolicy> policy(String volume) throws Exception;

        List<String> snapshots(String volume) throws Exception;

        void create(String volume, String snapshot) throws Exception;

        /** Deletes a snapshot no rule keeps; refuses (ConfigException) a held one or one with sessions. */
        void prune(String volume, String snapshot) throws Exception;
    }

    /** How a volume's schedule last went; times are null before the first success or failure. */
    record Outcome(Instant lastSuccess, Instant lastFailure, String lastError) {
    }

    private final Volumes volumes;
    private final Map<String, Outcome> outcomes = new TreeMap<>();
    private final BackgroundLoop loop;
    private final RepeatedFailures failures = new RepeatedFailures(LOG);

    Schedules(Volumes volumes) {
        this.volumes = volumes;
        this.loop = new BackgroundLoop("schedules", TICK, () -> tick(Instant.now()));
    }

    void start() {
        loop.start();
    }

    /** One pass over every volume at {@code now}. */
    void tick(Instant now) {
        for (String volume : volumes.names()) {
            if (!volumes.runsHere(volume)) {
                continue;
            }
            try {
                Optional<SchedulePolicy> policy = volumes.policy(volume);
                if (policy.isPresent() && runOne(volume, policy.get(), now)) {
                    record(volume, new Outcome(now, outcome(volume).lastFailure(), outcome(volume).lastError()));
                }
                failures.succeeded(volume, "schedule");
            } catch (Exception e) {
                failures.failed(volume, "schedule", e, TICK);
                record(volume, new Outcome(outcome(volume).lastSuccess(), now, e.getMessage()));
            }
        }
    }

    /** Takes a due snapshot and prunes; true if it took one. */
    private boolean runOne(String volume, SchedulePolicy policy, Instant now) throws Exception {
        Map<Instant, String> taken = new TreeMap<>();
        for (String snapshot : volumes.snapshots(volume)) {
            AutoSnapshotNames.taken(snapshot).ifPresent(time -> taken.put(time, snapshot));
        }
        boolean took = false;
        if (policy.due(taken.keySet(), now)) {
            String name = AutoSnapshotNames.name(now);
            volumes.create(volume, name);
            taken.put(AutoSnapshotNames.taken(name).orElseThrow(), name);
            took = true;
        }
        Set<Instant> kept = policy.kept(new TreeSet<>(taken.keySet()));
        for (Map.Entry<Instant, String> snapshot : taken.entrySet()) {
            if (!kept.contains(snapshot.getKey())) {
                try {
                    volumes.prune(volume, snapshot.getValue());
                } catch (ConfigException e) {
                    LOG.debug("schedule of volume {} keeps {} for now: {}", volume, snapshot.getValue(),
                            e.getMessage());
                }
            }
        }
        return took;
    }

    private synchronized void record(String volume, Outcome outcome) {
        outcomes.put(volume, outcome);
    }

    synchronized Outcome outcome(String volume) {
        return outcomes.getOrDefault(volume, new Outcome(null, null, ""));
    }

    @Override
    public void close() {
        loop.close();
    }
}
