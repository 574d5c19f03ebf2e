package org.snapshare.stream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.store.SnapshotInfo;
import org.snapshare.store.SnapshotState;

/**
 * Imports streams (docs/STREAM.md). The records are staged apart from the
 * volume and checked as they arrive; only a complete, verified stream is
 * applied: a damaged, cut short or unsuitable stream changes nothing, and
 * one that stopped can be resumed where its last good record ended. Applying
 * writes the origin (copy-on-write keeps every snapshot as it was) and then
 * takes the snapshot with the source's identity; a restart in between
 * applies again from the staged records and ends the same way.
 */
public final class SnapshotReceive {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceive.class);
    /** Received bytes between checkpoints of the staging: what a kill -9 may make the sender send again. */
    private static final long CHECKPOINT_BYTES = 64L << 20;
    /** Zero records are applied in pieces this large: each holds the chunks' locks while it runs. */
    private static final long ZERO_PIECE = 16L << 20;
    private static final Duration ROLLBACK_POLL = Duration.ofMillis(50);

    private final Path stagingRoot;
    private final ReceiveTarget target;
    /** Imports under way, by volume: their staging directories are in use; `status` shows how far each is. */
    private final Map<String, Progress> receiving = new ConcurrentHashMap<>();

    /** How far one import is: written by its thread, read by `status`. */
    private static final class Progress {
        volatile StreamHeader header;
        volatile String phase = "starting";
        volatile long bytes;

        @Override
        public String toString() {
            StreamHeader stream = header;
            String of = stream == null ? "" : " of snapshot " + stream.snapshot()
                    + stream.base().map(base -> " since " + base.name()).orElse(" (full)");
            return "import" + of + ": " + phase + ", " + (bytes >> 20) + " MiB"
                    + (stream == null ? "" : " of at most " + (stream.coveredBytes() >> 20) + " MiB");
        }
    }

    /** A line per import under way, by volume. */
    public Map<String, String> progress() {
        Map<String, String> lines = new TreeMap<>();
        receiving.forEach((volume, progress) -> lines.put(volume, progress.toString()));
        return lines;
    }

    /** Stages imports under {@code stagingRoot}, one directory per volume. */
    public SnapshotReceive(Path stagingRoot, ReceiveTarget target) {
        this.stagingRoot = stagingRoot;
        this.target = target;
    }

    /** Receives a stream for {@code volume} from {@code in} and applies it; the report for the user. */
    public String receive(String volume, InputStream in, boolean force, boolean resume)
            throws IOException, SnapshotException {
        Progress progress = new Progress();
        if (receiving.putIfAbsent(volume, progress) != null) {
            throw new SnapshotException("an import into volume " + volume + " is under way already; one at a time");
        }
        try {
            return receiveAlone(volume, in, force, resume, progress);
        } finally {
            receiving.remove(volume);
        }
    }

    private String receiveAlone(String volume, InputStream in, boolean force, boolean resume, Progress progress)
            throws IOException, SnapshotException {
        StreamReader reader = new StreamReader(in);
        StreamHeader header = reader.header();
        progress.header = header;
        progress.phase = "receiving";
        Path dir = stagingRoot.resolve(volume);
        Optional<ImportStaging> earlier = ImportStaging.open(dir);
        if (earlier.isPresent() && earlier.get().phase() != ImportStaging.Phase.RECEIVING) {
            throw new SnapshotException("volume " + volume + " has a complete import of snapshot "
                    + earlier.get().header().snapshot() + " waiting to be applied (it failed: see the server log);"
                    + " restart the server to apply it, or delete " + dir + " to drop it");
        }
        ImportStaging staging;
        if (resume) {
            staging = resumed(volume, header, earlier, dir);
        } else {
            if (header.resumeFrom() != 0) {
                throw new SnapshotException("this stream resumes an import at byte " + header.resumeFrom()
                        + ": import it with --resume");
            }
            checkTarget(volume, header, force);
            staging = ImportStaging.create(dir, firstRecordOf(header), header, force);
            earlier.ifPresent(dropped -> LOG.info("volume {}: dropped the interrupted import of snapshot {} for a new"
                    + " one", volume, dropped.header().snapshot()));
        }
        try {
            long sinceCheckpoint = 0;
            for (StreamRecord record = reader.next(); record != null; record = reader.next()) {
                staging.append(record);
                progress.bytes += record.length();
                sinceCheckpoint += record.bytes().length;
                if (sinceCheckpoint >= CHECKPOINT_BYTES) {
                    staging.checkpoint(reader.resumeOffset());
                    sinceCheckpoint = 0;
                }
            }
        } catch (StreamException e) {
            staging.checkpoint(reader.resumeOffset());
            staging.close();
            throw new SnapshotException("the import of snapshot " + header.snapshot() + " into volume " + volume
                    + " stopped: " + e.getMessage() + ". Nothing was changed. " + resumeHint(volume, staging));
        } catch (IOException e) {
            staging.checkpoint(reader.resumeOffset());
            staging.close();
            throw e;
        }
        staging.checkpoint(reader.resumeOffset());
        staging.phase(ImportStaging.Phase.VERIFIED);
        progress.phase = "applying";
        progress.bytes = 0;
        return apply(volume, staging, progress);
    }

    /** The header record as it travels, rebuilt from the header (the reader consumed the original). */
    private static StreamRecord firstRecordOf(StreamHeader header) {
        return new StreamRecord(RecordType.HEADER, 0, 0,
                RecordCodec.encode(RecordType.HEADER, 0, 0, header.encode()));
    }

    private ImportStaging resumed(String volume, StreamHeader header, Optional<ImportStaging> earlier, Path dir)
            throws SnapshotException {
        if (earlier.isEmpty()) {
            throw new SnapshotException("volume " + volume + " has no interrupted import to resume (nothing in "
                    + dir + "); import the whole stream without --resume");
        }
        ImportStaging staging = earlier.get();
        if (!header.sameStreamAs(staging.header())) {
            throw new SnapshotException("this stream is of snapshot " + header.snapshot() + " (" + header.identity()
                    + "), but the interrupted import of volume " + volume + " is of snapshot "
                    + staging.header().snapshot() + " (" + staging.header().identity() + ")"
                    + staging.header().base().map(b -> " since " + b.name()).orElse("") + "; "
                    + resumeHint(volume, staging));
        }
        if (header.resumeFrom() != staging.resumeAt()) {
            throw new SnapshotException("this stream resumes at byte " + header.resumeFrom() + " but the import of"
                    + " volume " + volume + " stopped at byte " + staging.resumeAt() + "; " + resumeHint(volume, staging));
        }
        return staging;
    }

    private static String resumeHint(String volume, ImportStaging staging) {
        StreamHeader header = staging.header();
        return "Continue it with: snapshare snapshot export " + header.volume() + " " + header.snapshot()
                + header.base().map(base -> " --since " + base.name()).orElse("") + " --resume-from "
                + staging.resumeAt() + " | snapshare snapshot import " + volume + " --resume";
    }

    /** Whether the stream fits the volume as it is now; refused before a byte of it is staged. */
    private void checkTarget(String volume, StreamHeader header, boolean force) throws IOException, SnapshotException {
        target.checkSnapshotName(header.snapshot());
        Optional<SnapshotCore> core = target.volume(volume);
        if (header.base().isEmpty()) {
            if (core.isPresent()) {
                throw new SnapshotException("volume " + volume + " exists; a full stream creates its volume: import"
                        + " it under a new name, or import an incremental stream (export --since BASE)");
            }
            return;
        }
        StreamHeader.Base base = header.base().get();
        if (core.isEmpty()) {
            throw new SnapshotException("volume " + volume + " does not exist; an incremental stream (since "
                    + base.name() + ") applies to a volume that holds " + base.name() + ": import a full stream first");
        }
        SnapshotCore volumeCore = core.get();
        if (!volumeCore.keepsSnapshotIdentities()) {
            throw new SnapshotException("volume " + volume + " has an exception store of an older format, which cannot"
                    + " keep a received snapshot's identity; import a full stream into a new volume");
        }
        if (volumeCore.sizeBytes() != header.sizeBytes()) {
            throw new SnapshotException("the stream is of a volume of " + header.sizeBytes() + " bytes but volume "
                    + volume + " has " + volumeCore.sizeBytes() + "; it is not a copy of that volume");
        }
        SnapshotInfo local = baseOf(volume, volumeCore, base);
        if (volumeCore.snapshotWithIdentity(header.identity()).isPresent()) {
            throw new SnapshotException("volume " + volume + " already holds snapshot " + header.snapshot()
                    + " (identity " + header.identity() + "): this stream was imported before");
        }
        if (volumeCore.hasSnapshot(header.snapshot())) {
            throw new SnapshotException("volume " + volume + " already has a snapshot named " + header.snapshot()
                    + " (another point in time); rename or delete it first");
        }
        int sessions = target.originSessions(volume);
        if (sessions > 0) {
            throw new SnapshotException("volume " + volume + " has " + sessions + " initiator session(s) on its origin;"
                    + " a volume that receives streams is a replica: log them out first");
        }
        if (!force && originChangedSince(volumeCore, local)) {
            throw new SnapshotException("the origin of volume " + volume + " was written since snapshot "
                    + local.name() + "; add --force to roll it back to " + local.name() + " (those writes are lost)"
                    + " before the stream is applied");
        }
    }

    private static SnapshotInfo baseOf(String volume, SnapshotCore core, StreamHeader.Base base)
            throws IOException, SnapshotException {
        Optional<SnapshotInfo> local = core.snapshotWithIdentity(base.identity());
        if (local.isEmpty() || local.get().state() != SnapshotState.LIVE) {
            throw new SnapshotException("volume " + volume + " holds no live snapshot with the identity of the"
                    + " stream's base " + base.name() + " (" + base.identity() + "): import the stream of "
                    + base.name() + " first, or export --since a snapshot this volume has");
        }
        return local.get();
    }

    private static boolean originChangedSince(SnapshotCore core, SnapshotInfo base)
            throws IOException, SnapshotException {
        return !core.diff(Optional.of(base.name()), Optional.empty()).runs().isEmpty();
    }

    /** Applies verified staged imports that a restart interrupted; called once at start, before serving. */
    public void completeInterrupted() {
        if (!Files.isDirectory(stagingRoot)) {
            return;
        }
        try (var dirs = Files.list(stagingRoot)) {
            for (Path dir : dirs.toList()) {
                String volume = dir.getFileName().toString();
                try {
                    Optional<ImportStaging> staging = ImportStaging.open(dir);
                    if (staging.isPresent() && staging.get().phase() != ImportStaging.Phase.RECEIVING) {
                        LOG.info("volume {}: completing the import of snapshot {} that a restart interrupted", volume,
                                staging.get().header().snapshot());
                        LOG.info("volume {}: {}", volume, apply(volume, staging.get(), new Progress()).strip());
                    }
                } catch (IOException | SnapshotException | RuntimeException e) {
                    LOG.error("volume {}: the interrupted import in {} could not be completed: {}", volume, dir,
                            e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            LOG.error("cannot list interrupted imports in {}: {}", stagingRoot, e.getMessage(), e);
        }
    }

    /** Writes a verified stream into the volume and takes its snapshot; the report. */
    private String apply(String volume, ImportStaging staging, Progress progress)
            throws IOException, SnapshotException {
        StreamHeader header = staging.header();
        SnapshotCore core;
        try {
            core = prepare(volume, staging);
        } catch (SnapshotException refused) {
            staging.delete(); // nothing was applied; the user decides again
            throw refused;
        }
        if (core.snapshotWithIdentity(header.identity()).isEmpty()) {
            long[] bytes = {0, 0};
            LogicalUnit origin = core.origin();
            staging.replay(record -> {
                if (record.type() == RecordType.DATA) {
                    origin.write(record.offset(), record.payload());
                    progress.bytes += record.length();
                    bytes[0] += record.length();
                } else {
                    if (header.base().isPresent()) { // a new volume reads zeros already
                        for (long at = record.offset(); at < record.end(); at += ZERO_PIECE) {
                            origin.writeZeros(at, Math.min(ZERO_PIECE, record.end() - at));
                        }
                    }
                    bytes[1] += record.length();
                }
            });
            origin.flush();
            LogicalUnit unit = core.createSnapshot(header.snapshot(), header.identity(), header.created());
            target.snapshotReceived(volume, header.snapshot(), unit);
            LOG.info("volume {}: received snapshot {} ({} bytes of data, {} of zeros)", volume, header.snapshot(),
                    bytes[0], bytes[1]);
            staging.delete();
            return "received snapshot " + header.snapshot() + " into volume " + volume
                    + header.base().map(base -> " (incremental since " + base.name() + ")").orElse(" (full)")
                    + ": " + bytes[0] + " bytes of data, " + bytes[1] + " bytes of zeros\n";
        }
        staging.delete();
        return "snapshot " + header.snapshot() + " of volume " + volume + " was already received\n";
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
            return existing.isPresent() ? existing.get() : target.createVolume(volume, header.sizeBytes());
        }
        SnapshotCore core = existing.orElseThrow(() -> new SnapshotException("volume " + volume
                + " was deleted while its import was under way; nothing was applied"));
        if (!started) {
            resetToBase(volume, core, baseOf(volume, core, header.base().get()), staging.force());
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
