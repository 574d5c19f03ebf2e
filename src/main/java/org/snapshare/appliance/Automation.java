package org.snapshare.appliance;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.DurableFiles;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.snapshot.SnapshotStatus;

/**
 * What the server does by itself on a volume's behalf (docs/SCHEDULES.md):
 * its snapshot schedule, the holds that keep snapshots from deletion, and
 * the replication of its scheduled snapshots to another snapshare; each
 * through the appliance's own operations, so the rules a user meets hold
 * for them too.
 */
public final class Automation {

    private static final Logger LOG = LoggerFactory.getLogger(Automation.class);

    private final Appliance appliance;
    private final ScheduleBook scheduleBook;
    private final Schedules schedules;
    private final Replicator replicator;

    Automation(Appliance appliance, ScheduleBook scheduleBook) {
        this.appliance = appliance;
        this.scheduleBook = scheduleBook;
        this.schedules = new Schedules(new ScheduledVolumes());
        this.replicator = new Replicator(new ReplicatedVolumes());
    }

    void start() {
        schedules.start();
        replicator.start();
    }

    void close() {
        schedules.close();
        replicator.close();
    }

    /** How each volume's schedule last went (the metrics read it). */
    Map<String, Schedules.Outcome> scheduleOutcomes() {
        Map<String, Schedules.Outcome> outcomes = new TreeMap<>();
        for (String volume : appliance.volumeNames()) {
            outcomes.put(volume, schedules.outcome(volume));
        }
        return outcomes;
    }

    /** How each replicated volume's replication stands (the metrics read it). */
    Map<String, Replicator.State> replicationStates() {
        Map<String, Replicator.State> states = new TreeMap<>();
        for (String volume : appliance.volumeNames()) {
            try {
                if (ReplicationSettings.read(appliance.volumeDir(volume)).isPresent()) {
                    states.put(volume, replicator.state(volume));
                }
            } catch (ConfigException | IOException e) {
                LOG.debug("volume {}: its replication settings cannot be read: {}", volume, e.getMessage());
            }
        }
        return states;
    }

    /** Keeps a snapshot from being deleted, by anyone or any schedule, until it is released. */
    public String holdSnapshot(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        appliance.reports().snapshotSummary(volumeName, name);
        new SnapshotHolds(appliance.volumeDir(volumeName)).hold(name);
        return "snapshot " + name + " of volume " + volumeName + " is held: nothing deletes it until `snapshare"
                + " snapshot release " + volumeName + " " + name + "`\n";
    }

    public String releaseSnapshot(String volumeName, String name) throws ConfigException, IOException {
        appliance.volumeNamed(volumeName);
        if (!new SnapshotHolds(appliance.volumeDir(volumeName)).release(name)) {
            throw new ConfigException(ConfigException.Reason.NOT_FOUND, "snapshot " + name + " of volume "
                    + volumeName + " is not held");
        }
        return "released snapshot " + name + " of volume " + volumeName + "\n";
    }

    public String setSchedule(String volumeName, String text) throws ConfigException, IOException {
        appliance.volumeNamed(volumeName);
        SchedulePolicy policy = SchedulePolicy.parse(text);
        scheduleBook.set(volumeName, policy);
        LOG.info("volume {}: schedule set to {}", volumeName, policy.text());
        return "volume " + volumeName + " is snapshotted " + policy.text() + " (snapshots named "
                + AutoSnapshotNames.PREFIX + "TIME; held ones and ones with sessions are never pruned)\n";
    }

    public String clearSchedule(String volumeName) throws ConfigException, IOException {
        appliance.volumeNamed(volumeName);
        if (!scheduleBook.clear(volumeName)) {
            throw new ConfigException(ConfigException.Reason.NOT_FOUND, "volume " + volumeName + " has no schedule");
        }
        LOG.info("volume {}: schedule cleared", volumeName);
        return "volume " + volumeName + " has no schedule now; its scheduled snapshots stay until deleted\n";
    }

    public List<ScheduleSummary> scheduleSummaries() throws ConfigException, IOException {
        List<ScheduleSummary> list = new ArrayList<>();
        for (Volume volume : appliance.volumesNow()) {
            Optional<ScheduleBook.Entry> entry = scheduleBook.entry(volume.name);
            if (entry.isPresent()) {
                Schedules.Outcome outcome = schedules.outcome(volume.name);
                int auto = 0;
                for (String snapshot : appliance.exportedSnapshots(volume)) {
                    auto += AutoSnapshotNames.taken(snapshot).isPresent() ? 1 : 0;
                }
                list.add(new ScheduleSummary(volume.name, entry.get().policy().text(), entry.get().source(), auto,
                        outcome.lastSuccess(), outcome.lastFailure(), outcome.lastError()));
            }
        }
        return list;
    }

    public String setReplication(String volumeName, ReplicationSettings settings)
            throws ConfigException, IOException {
        appliance.volumeNamed(volumeName);
        settings.token();
        settings.write(appliance.volumeDir(volumeName));
        LOG.info("volume {}: its scheduled snapshots are replicated to {}", volumeName, settings.url());
        return "volume " + volumeName + ": each scheduled snapshot goes to " + settings.url() + " as volume "
                + volumeName + settings.keep().map(k -> ", which keeps " + k.text()).orElse("")
                + " (`snapshare replicate list` shows the lag)\n";
    }

    /**
     * The API's way: the token itself, not a file name, is sent; it is kept in
     * the data directory's private api folder. (A path from the network would
     * let a remote admin make the server read, and send away, any file it can
     * read.)
     */
    public String setReplicationWithToken(String volumeName, String url, String token, Optional<String> fingerprint,
            Optional<String> keep) throws ConfigException, IOException {
        appliance.volumeNamed(volumeName);
        if (token.isBlank() || token.length() > 200 || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new ConfigException("\"token\" must be an admin token of the other server, as its `snapshare"
                    + " token create` printed it");
        }
        Path tokenFile = appliance.apiDir().resolve("replication").resolve(volumeName + ".token");
        ReplicationSettings settings = ReplicationSettings.of(url, tokenFile, fingerprint, keep);
        PrivateFiles.createDirectory(appliance.apiDir());
        PrivateFiles.createDirectory(tokenFile.getParent());
        DurableFiles.replace(tokenFile, (token + "\n").getBytes(StandardCharsets.US_ASCII));
        return setReplication(volumeName, settings);
    }

    public String clearReplication(String volumeName) throws ConfigException, IOException {
        appliance.volumeNamed(volumeName);
        if (!ReplicationSettings.remove(appliance.volumeDir(volumeName))) {
            throw new ConfigException(ConfigException.Reason.NOT_FOUND, "volume " + volumeName
                    + " is not replicated");
        }
        return "volume " + volumeName + " is no longer replicated; what was sent stays there\n";
    }

    public List<ReplicationSummary> replicationSummaries() throws ConfigException, IOException {
        List<ReplicationSummary> list = new ArrayList<>();
        for (Volume volume : appliance.volumesNow()) {
            Optional<ReplicationSettings> settings = ReplicationSettings.read(appliance.volumeDir(volume.name));
            if (settings.isPresent()) {
                Replicator.State state = replicator.state(volume.name);
                list.add(new ReplicationSummary(volume.name, settings.get().url(),
                        settings.get().keep().map(SchedulePolicy::text).orElse(""), state.lastSent(),
                        state.lastSuccess(), state.lastFailure(), state.lastError(), state.lagSeconds(),
                        state.lagBytes()));
            }
        }
        return list;
    }

    /** The served volumes, and whether this node does their work: what schedules and replication share. */
    private abstract class AppliedVolumes implements ServedVolumes {

        @Override
        public Set<String> names() {
            return appliance.volumeNames();
        }

        @Override
        public boolean runsHere(String volume) {
            return appliance.runsHere(volume);
        }
    }

    /** What replication asks of the appliance. */
    private final class ReplicatedVolumes extends AppliedVolumes implements Replicator.Volumes {

        @Override
        public Optional<ReplicationSettings> settings(String volume) throws ConfigException, IOException {
            return ReplicationSettings.read(appliance.volumeDir(volume));
        }

        @Override
        public List<String> scheduledSnapshots(String volume) throws ConfigException, IOException {
            List<String> names = new ArrayList<>();
            appliance.volumeNamed(volume).core().snapshotStates().forEach((name, state) -> {
                if (state == SnapshotStatus.State.LIVE && AutoSnapshotNames.taken(name).isPresent()) {
                    names.add(name);
                }
            });
            names.sort(null); // scheduled snapshots' names sort by the time they were taken
            return names;
        }

        @Override
        public void export(String volume, String snapshot, Optional<String> base, long resumeFrom, OutputStream out)
                throws ConfigException, SnapshotException, IOException {
            appliance.streams().exportSnapshot(volume, snapshot, base, resumeFrom, out);
        }

        @Override
        public long changedBytes(String volume, String from, String to)
                throws ConfigException, SnapshotException, IOException {
            return appliance.streams().diffRuns(volume, from, to).changedBytes();
        }

        @Override
        public long sizeBytes(String volume) throws ConfigException {
            return appliance.volumeNamed(volume).sizeBytes();
        }
    }

    /** What the schedules ask of the appliance. */
    private final class ScheduledVolumes extends AppliedVolumes implements Schedules.Volumes {

        @Override
        public Optional<SchedulePolicy> policy(String volume) throws ConfigException, IOException {
            return scheduleBook.entry(volume).map(ScheduleBook.Entry::policy);
        }

        @Override
        public List<String> snapshots(String volume) throws ConfigException, IOException {
            List<String> names = new ArrayList<>();
            appliance.volumeNamed(volume).core().snapshotStates().forEach((name, state) -> {
                if (state != SnapshotStatus.State.DELETING) {
                    names.add(name);
                }
            });
            return names;
        }

        @Override
        public void create(String volume, String snapshot) throws ConfigException, SnapshotException, IOException {
            appliance.createSnapshot(volume, snapshot);
            LOG.info("volume {}: scheduled snapshot {} taken", volume, snapshot);
        }

        @Override
        public void prune(String volume, String snapshot) throws ConfigException, SnapshotException, IOException {
            if (replicator.needs(volume, snapshot)) {
                throw new ConfigException(ConfigException.Reason.CONFLICT, "replication still needs snapshot "
                        + snapshot);
            }
            appliance.deleteSnapshot(volume, snapshot, false);
            LOG.info("volume {}: scheduled snapshot {} pruned (no rule keeps it)", volume, snapshot);
        }
    }
}
