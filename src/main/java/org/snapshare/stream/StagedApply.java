package org.snapshare.stream;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.InternalSnapshots;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;

/**
 * Applies a verified staged import (docs/STREAM.md, steps 1 to 5): makes the
 * volume ready (a full stream's new volume; the base's content for an
 * incremental one), writes the staged records to its origin, takes the
 * snapshot with the source's identity and drops the staging. Run again after
 * a restart, it ends the same way: the writes are absolute.
 */
final class StagedApply {

    private static final Logger LOG = LoggerFactory.getLogger(StagedApply.class);
    /** Zero records are applied in pieces this large: each holds the chunks' locks while it runs. */
    private static final long ZERO_PIECE = 16L << 20;
    private static final Duration ROLLBACK_POLL = Duration.ofMillis(50);

    private final ReceiveTarget target;

    StagedApply(ReceiveTarget target) {
        this.target = target;
    }

    /** The live snapshot of the volume with the base's identity; refused when there is none. */
    static SnapshotInfo baseOf(String volume, SnapshotCore core, StreamHeader.Base base)
            throws IOException, SnapshotException {
        Optional<SnapshotInfo> local = core.snapshotWithIdentity(base.identity());
        if (local.isEmpty() || local.get().state() != SnapshotState.LIVE) {
            throw new SnapshotException("volume " + volume + " holds no live snapshot with the identity of the"
                    + " stream's base " + base.name() + " (" + base.identity() + "): import the stream of "
                    + base.name() + " first, or export --since a snapshot this volume has");
        }
        return local.get();
    }

    /** Whether the origin reads otherwise than the snapshot anywhere. */
    static boolean originChangedSince(SnapshotCore core, SnapshotInfo base)
            throws IOException, SnapshotException {
        return !core.diff(Optional.of(base.name()), Optional.empty()).runs().isEmpty();
    }

    /** Writes a verified stream into the volume and takes its snapshot; the report. */
    String apply(String volume, ImportStaging staging, ImportProgress progress)
            throws IOException, SnapshotException {
        StreamHeader header = staging.header();
        SnapshotCore core;
        try {
            core = prepare(volume, staging);
        } catch (SnapshotException refused) {
            staging.delete(); // nothing was applied; the user decides again
            throw refused;
        }
        if (header.base().isPresent() && header.base().get().parent()) {
            return applyAsChild(volume, core, staging, progress);
        }
        if (core.snapshotWithIdentity(header.identity()).isEmpty()) {
            LogicalUnit origin = core.origin();
            long[] bytes = write(staging, origin, header.base().isPresent(), progress); // a new volume reads zeros
            LogicalUnit unit = core.createSnapshot(header.snapshot(), header.identity(), header.created());
            target.snapshotReceived(volume, header.snapshot(), unit);
            return received(volume, staging, bytes);
        }
        staging.delete();
        return "snapshot " + header.snapshot() + " of volume " + volume + " was already received\n";
    }

    /**
     * A stream since the snapshot's parent (docs/STREAM.md, kind 3): the
     * snapshot is taken of the local parent first, with the source's identity
     * and an internal name, so that nobody is served it half written; the
     * records are written into it, then it takes its own name. The origin is
     * not touched. After a restart the writes are made again into the
     * snapshot that has the identity.
     */
    private String applyAsChild(String volume, SnapshotCore core, ImportStaging staging, ImportProgress progress)
            throws IOException, SnapshotException {
        StreamHeader header = staging.header();
        Optional<SnapshotInfo> earlier = core.snapshotWithIdentity(header.identity());
        String receiving = earlier.map(SnapshotInfo::name).orElse(InternalSnapshots.receiving(header.snapshot()));
        if (earlier.isEmpty()) {
            try {
                core.createSnapshotOf(receiving, baseOf(volume, core, header.base().get()).name(), header.identity(),
                        header.created());
            } catch (SnapshotException refused) {
                staging.delete(); // nothing was applied
                throw refused;
            }
        }
        long[] bytes = write(staging, core.snapshotUnit(receiving), true, progress);
        if (InternalSnapshots.isReceiving(receiving)) {
            core.renameSnapshot(receiving, header.snapshot());
            target.snapshotReceived(volume, header.snapshot(), core.snapshotUnit(header.snapshot()));
        }
        return received(volume, staging, bytes);
    }

    /** Writes the staged records to {@code unit} (zero runs too, when it may not read zeros there); flushes it. */
    private static long[] write(ImportStaging staging, LogicalUnit unit, boolean writeZeros, ImportProgress progress)
            throws IOException {
        long[] bytes = {0, 0};
        staging.replay(record -> {
            if (record.type() == RecordType.DATA) {
                unit.write(record.offset(), record.payload());
                progress.bytes += record.length();
                bytes[0] += record.length();
            } else {
                if (writeZeros) {
                    for (long at = record.offset(); at < record.end(); at += ZERO_PIECE) {
                        unit.writeZeros(at, Math.min(ZERO_PIECE, record.end() - at));
                    }
                }
                bytes[1] += record.length();
            }
        });
        unit.flush();
        return bytes;
    }

    private static String received(String volume, ImportStaging staging, long[] bytes) throws IOException {
        StreamHeader header = staging.header();
        LOG.info("volume {}: received snapshot {} ({} bytes of data, {} of zeros)", volume, header.snapshot(),
                bytes[0], bytes[1]);
        staging.delete();
        return "received snapshot " + header.snapshot() + " into volume " + volume
                + header.base().map(base -> (base.parent() ? " (a snapshot of " : " (incremental since ") + base.name()
                        + ")").orElse(" (full)") + ": " + bytes[0] + " bytes of data, " + bytes[1] + " bytes of zeros\n";
    }

    /**
     * The volume to write, made ready: a full stream's new volume (created
     * here; one made meanwhile under the same name is refused), or the
     * volume whose origin reads as the base. The phase becomes APPLYING
     * first, so a restart finishes the job rather than judging its own writes.
     */
    private SnapshotCore prepare(String volume, ImportStaging staging) throws IOException, SnapshotException {
        StreamHeader header = staging.header();
        boolean started = staging.phase() == ImportStaging.Phase.APPLYING;
        Optional<SnapshotCore> existing = target.volume(volume);
        if (header.base().isEmpty()) {
            if (existing.isPresent() && !started) {
                throw new SnapshotException("volume " + volume + " was created while its full stream arrived; the"
                        + " stream was not applied: import it under another name");
            }
            staging.phase(ImportStaging.Phase.APPLYING);
            if (existing.isPresent()) {
                return existing.get(); // created by the start of this apply, before a restart
            }
            try {
                return target.createVolume(volume, header.sizeBytes());
            } catch (IOException e) {
                // No volume, nothing applied: drop the staging rather than fail the same way at every start.
                staging.delete();
                throw new SnapshotException("volume " + volume + " could not be created for the stream ("
                        + e.getMessage() + "); nothing was applied: free the space or fix the cause and import"
                        + " the stream again");
            }
        }
        SnapshotCore core = existing.orElseThrow(() -> new SnapshotException("volume " + volume
                + " was deleted while its import was under way; nothing was applied"));
        if (!started) {
            if (!header.base().get().parent()) { // a snapshot of the parent leaves the origin alone
                resetToBase(volume, core, baseOf(volume, core, header.base().get()), staging.force());
            }
            staging.phase(ImportStaging.Phase.APPLYING);
        }
        return core;
    }

    /** The origin must read as the base before the stream applies: it does, or --force rolls it back. */
    private static void resetToBase(String volume, SnapshotCore core, SnapshotInfo base, boolean force)
            throws IOException, SnapshotException {
        awaitRollback(core);
        if (!originChangedSince(core, base)) {
            return;
        }
        if (!force) {
            throw new SnapshotException("the origin of volume " + volume + " was written since snapshot " + base.name()
                    + " while the stream arrived; nothing was applied: import it again with --force to roll the"
                    + " origin back to " + base.name());
        }
        LOG.info("volume {}: rolling the origin back to {} before applying the stream (--force)", volume, base.name());
        core.rollback(base.name());
        awaitRollback(core);
    }

    private static void awaitRollback(SnapshotCore core) throws IOException, SnapshotException {
        try {
            while (core.rollingBack()) {
                Optional<String> failed = core.rollbackFailure();
                if (failed.isPresent()) {
                    throw new SnapshotException("rolling the origin back failed (" + failed.get() + "); nothing of the"
                            + " stream was applied");
                }
                Thread.sleep(ROLLBACK_POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the origin was rolled back", e);
        }
    }
}
