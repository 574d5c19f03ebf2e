package org.snapshare.appliance;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.snapshare.snapshot.SnapshotException;

/**
 * Long operations started through the API (a rollback), each with an id to
 * follow it by: its progress while it runs, then how it ended. Jobs live in
 * memory; the newest {@link #KEPT} finished ones are kept.
 */
public final class Jobs {

    /** A job as the API shows it. {@code state}: running, succeeded or failed; {@code progress} 0..1. */
    public record Job(String id, String kind, String volume, String subject, Instant started, String state,
            double progress, String result, Instant ended) {
    }

    /**
     * How a job's work is seen from outside: its progress while it runs
     * (empty once it has ended), why an error stopped it, and its result line
     * once it has ended well.
     */
    record Watch(Supplier<Optional<Double>> progress, Supplier<Optional<String>> failure, Supplier<String> done) {
    }

    static final int KEPT = 100;

    private final Map<String, Tracked> jobs = new LinkedHashMap<>();

    private static final class Tracked {
        final Job started;
        final Watch watch;
        Job ended;

        Tracked(Job started, Watch watch) {
            this.started = started;
            this.watch = watch;
        }

        Job now() {
            if (ended != null) {
                return ended;
            }
            Optional<String> failure = watch.failure().get();
            Optional<Double> progress = watch.progress().get();
            if (failure.isPresent()) {
                ended = with(started, "failed", progress.orElse(0.0), failure.get());
            } else if (progress.isEmpty()) {
                ended = with(started, "succeeded", 1.0, watch.done().get());
            } else {
                return new Job(started.id(), started.kind(), started.volume(), started.subject(), started.started(),
                        "running", progress.get(), "", null);
            }
            return ended;
        }

        private static Job with(Job job, String state, double progress, String result) {
            return new Job(job.id(), job.kind(), job.volume(), job.subject(), job.started(), state, progress, result,
                    Instant.now());
        }
    }

    /** The work a job starts, done before the job is registered; a refusal registers none. */
    @FunctionalInterface
    interface Work {
        void start() throws ConfigException, SnapshotException, IOException;
    }

    /**
     * Starts {@code work} as a job the {@code watch} follows. The volume's
     * ended jobs of this kind are settled first: the watch of one that has
     * ended would see the new one's progress as its own.
     */
    synchronized Job run(String kind, String volume, String subject, Work work, Watch watch)
            throws ConfigException, SnapshotException, IOException {
        for (Tracked tracked : jobs.values()) {
            if (tracked.started.kind().equals(kind) && tracked.started.volume().equals(volume)) {
                tracked.now();
            }
        }
        work.start();
        Instant now = Instant.now();
        // Ids sort in the order jobs started (lists are by id), and stay unique across restarts.
        String id = String.format("%013d-%s", now.toEpochMilli(), UUID.randomUUID().toString().substring(0, 8));
        Job job = new Job(id, kind, volume, subject, now, "running", 0, "", null);
        jobs.put(job.id(), new Tracked(job, watch));
        forgetOld();
        return jobs.get(job.id()).now();
    }

    public synchronized List<Job> list() {
        List<Job> list = new ArrayList<>();
        jobs.values().forEach(tracked -> list.add(tracked.now()));
        return list;
    }

    public synchronized Optional<Job> get(String id) {
        return Optional.ofNullable(jobs.get(id)).map(Tracked::now);
    }

    private void forgetOld() {
        int finished = 0;
        for (Tracked tracked : jobs.values()) {
            finished += tracked.now().ended() != null ? 1 : 0;
        }
        for (Iterator<Tracked> it = jobs.values().iterator(); it.hasNext() && finished > KEPT;) {
            if (it.next().ended != null) {
                it.remove();
                finished--;
            }
        }
    }
}
