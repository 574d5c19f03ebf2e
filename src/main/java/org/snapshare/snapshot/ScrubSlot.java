package org.snapshare.snapshot;

import java.util.Optional;
import org.snapshare.store.Remedy;

/** A volume's online scrub: at most one runs at a time, on its own thread; the last one is kept for its status. */
final class ScrubSlot {

    private final VolumeIo io;
    private final ClusterGate gate;
    private final String volume;
    private volatile Scrub scrub;
    private Thread thread;

    ScrubSlot(VolumeIo io, ClusterGate gate, String volume) {
        this.io = io;
        this.gate = gate;
        this.volume = volume;
    }

    /** Starts a scrub reading at most {@code bytesPerSecond}; refused while one runs. */
    synchronized void start(long bytesPerSecond) throws SnapshotException {
        if (bytesPerSecond <= 0) {
            throw new SnapshotException("the scrub rate must be positive, not " + bytesPerSecond + " bytes/s");
        }
        if (scrub != null && scrub.running()) {
            throw new SnapshotException("a scrub of volume " + volume + " is already running: "
                    + Remedy.SCRUB_STATUS.advice(volume));
        }
        scrub = new Scrub(io.store().newScrub(), gate, volume, bytesPerSecond, io.originChunks(),
                io.data::forgetChecked);
        thread = new Thread(scrub, "scrub-" + volume);
        thread.setDaemon(true);
        thread.start();
    }

    /** The running or last scrub; empty when none ran since the open. */
    Optional<Scrub> last() {
        return Optional.ofNullable(scrub);
    }

    /** The running scrub's status; empty when none runs. */
    Optional<String> running() {
        return last().filter(Scrub::running).map(Scrub::status);
    }

    void stop() {
        last().ifPresent(Scrub::stop);
    }

    /** Waits (bounded) for a stopped scrub's thread to end. */
    synchronized void join() {
        StoppedThreads.join(thread);
    }
}
