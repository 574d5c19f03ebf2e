package org.snapshare.appliance;

import java.io.Closeable;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.stream.InterruptedImport;

/**
 * Sends each volume's newest scheduled snapshot to the other snapshare its
 * replication names (docs/SCHEDULES.md, Replication): every few seconds it
 * compares the scheduled snapshots here with those there, sends the
 * newest as a stream since the newest one both hold (a full stream the
 * first time), resumes an import the other side left interrupted from its
 * checkpoint, and prunes there what the replication's retention does not
 * keep. The snapshot being sent and the base of the next send are never
 * pruned here.
 */
final class Replicator implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
    static final Duration PASS = Duration.ofSeconds(2);

    /** What replication asks of the appliance. */
    interface Volumes extends ServedVolumes {
        Optional<ReplicationSettings> settings(String volume) throws Exception;

        /** The live scheduled snapshots, oldest first. */
        List<String> scheduledSnapshots(String volume) throws Exception;

        void export(String volume, String snapshot, Optional<String> base, long resumeFrom, OutputStream out)
                throws Exception;

        /** Bytes that differ from snapshot {@code from} to snapshot {@code to}. */
        long changedBytes(String volume, String from, String to) throws Exception;

        long sizeBytes(String volume) throws Exception;
    }

    /** How a volume's replication stands; times are null before the first success or failure. */
    record State(String lastSent, Instant lastSuccess, Instant lastFailure, String lastError, long lagSeconds,
            long lagBytes) {
    }

    private final Volumes volumes;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    /** Per volume, the snapshots replication needs here: the one being sent and the base of the next send. */
    private final Map<String, Set<String>> needed = new ConcurrentHashMap<>();
    /** Each replicated volume's client, kept while its settings hold (only the loop's thread uses it). */
    private final Map<String, RemoteApi> clients = new TreeMap<>();
    private final RepeatedFailures failures = new RepeatedFailures(LOG);
    /** Per volume, the last (base, newest) pair measured and how many bytes apart they are. */
    private final Map<String, Map.Entry<String, Long>> lastBehind = new TreeMap<>();
    private final BackgroundLoop loop;

    Replicator(Volumes volumes) {
        this.volumes = volumes;
        this.loop = new BackgroundLoop("replication", PASS, this::pass);
    }

    void start() {
        loop.start();
    }

    /** Whether replication still needs this snapshot here (pruning must leave it). */
    boolean needs(String volume, String snapshot) {
        return needed.getOrDefault(volume, Set.of()).contains(snapshot);
    }

    State state(String volume) {
        return states.getOrDefault(volume, new State("", null, null, "", 0, 0));
    }

    private void pass() throws InterruptedException {
        for (String volume : volumes.names()) {
            try {
                Optional<ReplicationSettings> settings = volumes.settings(volume);
                if (settings.isEmpty()) {
                    needed.remove(volume);
                    states.remove(volume);
                    clients.remove(volume);
                } else if (volumes.runsHere(volume)) {
                    replicate(volume, settings.get());
                    failures.succeeded(volume, "replication");
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                State was = state(volume);
                failures.failed(volume, "replication", e, PASS);
                states.put(volume, new State(was.lastSent(), was.lastSuccess(), Instant.now(), e.getMessage(),
                        was.lagSeconds(), was.lagBytes()));
            }
        }
    }

    private void replicate(String volume, ReplicationSettings settings) throws Exception {
        List<String> local = volumes.scheduledSnapshots(volume);
        if (local.isEmpty()) {
            return;
        }
        RemoteApi remote = clients.get(volume);
        if (remote == null || !remote.settings().equals(settings)) {
            remote = new RemoteApi(settings);
            clients.put(volume, remote);
        }
        Optional<List<RemoteApi.RemoteSnapshot>> there = remote.snapshots(volume);
        Set<String> held = new TreeSet<>();
        there.ifPresent(list -> list.forEach(snapshot -> held.add(snapshot.name())));
        String newest = local.get(local.size() - 1);
        Optional<String> base = Optional.empty();
        for (String snapshot : local) {
            if (held.contains(snapshot)) {
                base = Optional.of(snapshot);
            }
        }
        if (base.isPresent() && base.get().equals(newest)) {
            needed.put(volume, Set.of(newest));
            settle(volume, newest, settings, remote, held);
            return;
        }
        if (base.isEmpty() && there.isPresent()) {
            throw new IllegalStateException("volume " + volume + " exists at " + settings.url() + " but holds none"
                    + " of this volume's scheduled snapshots; delete it there, or replicate to another server");
        }
        needed.put(volume, base.isPresent() ? Set.of(base.get(), newest) : Set.of(newest));
        long behind = behind(volume, base, newest);
        Instant sentAt = AutoSnapshotNames.taken(base.orElse(newest)).orElse(Instant.now());
        State was = state(volume);
        states.put(volume, new State(was.lastSent(), was.lastSuccess(), was.lastFailure(), was.lastError(),
                Duration.between(sentAt, Instant.now()).getSeconds(), behind));
        Optional<String> since = base;
        // Resumed only if the other side stopped in this very stream; else a new send drops what it staged.
        long resumeFrom = remote.interrupted(volume).filter(i -> i.snapshot().equals(newest) && i.base().equals(since))
                .map(InterruptedImport::resumeOffset).orElse(0L);
        LOG.info("volume {}: sending snapshot {}{} to {}{}", volume, newest, since.map(b -> " since " + b).orElse(""),
                settings.url(), resumeFrom > 0 ? " from byte " + resumeFrom + " (resumed)" : "");
        remote.importStream(volume, resumeFrom > 0,
                out -> volumes.export(volume, newest, since, resumeFrom, out));
        LOG.info("volume {}: snapshot {} replicated to {}", volume, newest, settings.url());
        held.add(newest);
        needed.put(volume, Set.of(newest));
        settle(volume, newest, settings, remote, held);
    }

    /**
     * Bytes the replica is behind: what differs from its newest snapshot to ours, from a metadata scan made
     * once per pair (a send that keeps failing retries every pass).
     */
    private long behind(String volume, Optional<String> base, String newest) throws Exception {
        String pair = base.orElse("") + " " + newest;
        Map.Entry<String, Long> known = lastBehind.get(volume);
        if (known != null && known.getKey().equals(pair)) {
            return known.getValue();
        }
        long bytes = base.isPresent() ? volumes.changedBytes(volume, base.get(), newest) : volumes.sizeBytes(volume);
        lastBehind.put(volume, Map.entry(pair, bytes));
        return bytes;
    }

    /** Records an up-to-date replica (no lag) and prunes there what the retention does not keep. */
    private void settle(String volume, String newest, ReplicationSettings settings, RemoteApi remote,
            Set<String> held) throws Exception {
        State was = state(volume);
        states.put(volume, new State(newest, was.lastSent().equals(newest) && was.lastSuccess() != null
                ? was.lastSuccess() : Instant.now(), was.lastFailure(), was.lastError(), 0, 0));
        if (settings.keep().isEmpty()) {
            return;
        }
        Map<Instant, String> taken = new TreeMap<>();
        for (String snapshot : held) {
            AutoSnapshotNames.taken(snapshot).ifPresent(time -> taken.put(time, snapshot));
        }
        Set<Instant> kept = settings.keep().get().kept(new TreeSet<>(taken.keySet()));
        List<String> pruned = new ArrayList<>();
        for (Map.Entry<Instant, String> snapshot : taken.entrySet()) {
            if (!kept.contains(snapshot.getKey()) && !snapshot.getValue().equals(newest)) {
                remote.delete(volume, snapshot.getValue());
                pruned.add(snapshot.getValue());
            }
        }
        if (!pruned.isEmpty()) {
            LOG.info("volume {}: pruned {} at {} (its retention keeps {})", volume, pruned, settings.url(),
                    settings.keep().get().text());
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
