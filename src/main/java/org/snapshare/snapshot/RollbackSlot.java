package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.store.SnapshotInfo;

/**
 * A volume's online rollback: at most one, on its own thread, recorded in
 * its journal so that it resumes after a restart or on the next holder of
 * the volume's cluster lock. While installed, the volume's I/O follows it
 * ({@link VolumeIo#rollback()}).
 */
final class RollbackSlot {

    private static final Logger LOG = LoggerFactory.getLogger(RollbackSlot.class);

    private final VolumeIo io;
    private final ClusterGate gate;
    private final String volume;
    private final RollbackJournal journal;
    private Thread thread;

    RollbackSlot(VolumeIo io, ClusterGate gate, String volume, Path journalPath) {
        this.io = io;
        this.gate = gate;
        this.volume = volume;
        this.journal = new RollbackJournal(journalPath);
    }

    /** Starts rolling the origin back to {@code target}, {@code bytes} long; the caller has quiesced the origin. */
    synchronized void begin(SnapshotInfo target, long bytes) throws IOException {
        journal.begin(target.id(), target.name());
        Rollback rollback = install(new RollbackJournal.State(target.id(), target.name(), 0, Set.of()), bytes);
        run(rollback);
    }

    /**
     * Installs the rollback the journal records, if any, before any read is
     * let in: unrolled chunks read as the snapshot from the start. It runs
     * from {@link #runInstalled}.
     */
    synchronized void resume(ToLongFunction<SnapshotInfo> sizeOf) throws IOException {
        journal.close();
        Optional<RollbackJournal.State> interrupted = journal.read();
        if (interrupted.isEmpty()) {
            return;
        }
        LOG.info("volume {}: resuming the rollback to snapshot {} from chunk {}", volume,
                interrupted.get().snapshotName(), interrupted.get().cursor());
        String name = interrupted.get().snapshotName();
        SnapshotInfo info = io.store().snapshot(name).orElseThrow(() -> new IOException("volume " + volume
                + ": its rollback journal names snapshot " + name + ", which its store does not have;"
                + " move the journal away to start without resuming the rollback"));
        install(interrupted.get(), sizeOf.applyAsLong(info));
    }

    private Rollback install(RollbackJournal.State state, long bytes) throws IOException {
        Rollback rollback = new Rollback(io, journal, state, bytes, gate);
        rollback.rollPartialEnd();
        io.rollback(rollback);
        return rollback;
    }

    /** Runs the installed rollback, unless it runs already. */
    synchronized void runInstalled() {
        Rollback installed = io.rollback();
        if (installed != null && (thread == null || !thread.isAlive())) {
            run(installed);
        }
    }

    private void run(Rollback rollback) {
        thread = new Thread(rollback, "rollback-" + volume);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the rollback (it saves its cursor; it resumes from the journal) and uninstalls it. */
    void stop() {
        Rollback rollback = io.rollback();
        if (rollback != null) {
            rollback.stop();
            StoppedThreads.join(threadNow());
            io.rollback(null);
        }
    }

    private synchronized Thread threadNow() {
        return thread;
    }

    /** Why the running rollback stopped, if an error stopped it (a restart resumes it). */
    Optional<String> failure() {
        Rollback rollback = io.rollback();
        return rollback == null || rollback.failure() == null ? Optional.empty()
                : Optional.of(rollback.failure().getMessage());
    }

    /** How far a rollback running on this node is, 0..1, or empty when none runs here. */
    Optional<Double> progress() {
        Rollback rollback = io.rollback();
        return rollback == null ? Optional.empty() : Optional.of(rollback.progress());
    }

    /** Stops the rollback's thread and closes the journal. */
    void close() throws IOException {
        stop();
        journal.close();
    }
}
