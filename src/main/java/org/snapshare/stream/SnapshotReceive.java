package org.snapshare.stream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.store.SnapshotInfo;

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

    private final Path stagingRoot;
    private final ReceiveTarget target;
    private final StagedApply applier;
    /** Imports under way, by volume: their staging directories are in use; `status` shows how far each is. */
    private final Map<String, ImportProgress> receiving = new ConcurrentHashMap<>();

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
        this.applier = new StagedApply(target);
    }

    /**
     * The volume's import that stopped while records arrived and can be
     * resumed, if there is one; empty too while an import of it runs.
     */
    public Optional<InterruptedImport> interrupted(String volume) throws IOException {
        if (receiving.putIfAbsent(volume, new ImportProgress()) != null) {
            return Optional.empty();
        }
        try {
            Optional<ReceiveTarget.ImportClaim> claim = target.claimImport(volume);
            if (claim.isEmpty()) {
                return Optional.empty(); // another node imports into it now
            }
            try (ReceiveTarget.ImportClaim held = claim.get()) {
                Optional<ImportStaging> staging = ImportStaging.open(stagingRoot.resolve(volume));
                if (staging.isEmpty() || staging.get().phase() != ImportStaging.Phase.RECEIVING) {
                    return Optional.empty();
                }
                StreamHeader header = staging.get().header();
                return Optional.of(new InterruptedImport(header.snapshot(),
                        header.base().map(StreamHeader.Base::name), staging.get().resumeAt()));
            }
        } finally {
            receiving.remove(volume);
        }
    }

    /** Receives a stream for {@code volume} from {@code in} and applies it; the report for the user. */
    public String receive(String volume, InputStream in, boolean force, boolean resume)
            throws IOException, SnapshotException {
        ImportProgress progress = new ImportProgress();
        if (receiving.putIfAbsent(volume, progress) != null) {
            throw new SnapshotException("an import into volume " + volume + " is under way already; one at a time");
        }
        try {
            Optional<ReceiveTarget.ImportClaim> claim = target.claimImport(volume);
            if (claim.isEmpty()) {
                throw new SnapshotException("an import into volume " + volume + " is under way on another node of"
                        + " the cluster; one at a time");
            }
            try (ReceiveTarget.ImportClaim held = claim.get()) {
                return receiveAlone(volume, in, force, resume, progress);
            }
        } finally {
            receiving.remove(volume);
        }
    }

    private String receiveAlone(String volume, InputStream in, boolean force, boolean resume, ImportProgress progress)
            throws IOException, SnapshotException {
        StreamReader reader = new StreamReader(in);
        StreamHeader header;
        try {
            header = reader.header();
        } catch (StreamException e) {
            throw new SnapshotException("nothing can be imported into volume " + volume + ": " + e.getMessage());
        }
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
                    staging.checkpoint();
                    sinceCheckpoint = 0;
                }
            }
        } catch (IOException e) {
            try {
                staging.checkpoint(); // what arrived whole is kept for a resume
                staging.close();
            } catch (IOException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            String stopped = "the import of snapshot " + header.snapshot() + " into volume " + volume + " stopped: "
                    + e.getMessage() + ". Nothing was changed. " + resumeHint(volume, staging);
            if (e instanceof StreamException) {
                throw new SnapshotException(stopped);
            }
            throw new IOException(stopped, e); // the disk under the staging, most likely: full?
        }
        staging.checkpoint();
        staging.phase(ImportStaging.Phase.VERIFIED);
        progress.phase = "applying";
        progress.bytes = 0;
        return applier.apply(volume, staging, progress);
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
        long targetSize = base.parent() ? base.sizeBytes() : volumeCore.sizeBytes();
        if (targetSize != header.sizeBytes()) {
            throw new SnapshotException("the stream is of a volume of " + header.sizeBytes() + " bytes but volume "
                    + volume + " has " + targetSize + ": an incremental stream applies only to a volume of"
                    + " its size (was one of them resized? then send a full stream)");
        }
        SnapshotInfo local = StagedApply.baseOf(volume, volumeCore, base);
        if (volumeCore.snapshotWithIdentity(header.identity()).isPresent()) {
            throw new SnapshotException("volume " + volume + " already holds snapshot " + header.snapshot()
                    + " (identity " + header.identity() + "): this stream was imported before");
        }
        if (volumeCore.hasSnapshot(header.snapshot())) {
            throw new SnapshotException("volume " + volume + " already has a snapshot named " + header.snapshot()
                    + " (another point in time); delete it first (snapshare snapshot delete " + volume + " "
                    + header.snapshot() + ")");
        }
        if (base.parent()) {
            return; // received as a snapshot of its parent: the origin is not touched, so its use does not matter
        }
        int sessions = target.originSessions(volume);
        if (sessions > 0) {
            throw new SnapshotException("volume " + volume + " has " + sessions + " initiator session(s) on its origin;"
                    + " a volume that receives streams is a replica: log them out first");
        }
        if (!force && StagedApply.originChangedSince(volumeCore, local)) {
            throw new SnapshotException("the origin of volume " + volume + " was written since snapshot "
                    + local.name() + "; add --force to roll it back to " + local.name() + " (those writes are lost)"
                    + " before the stream is applied");
        }
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
                    Optional<ReceiveTarget.ImportClaim> claim = target.claimImport(volume);
                    if (claim.isEmpty()) {
                        continue; // another node imports into it, or completes it
                    }
                    try (ReceiveTarget.ImportClaim held = claim.get()) {
                        completeOne(volume, dir);
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

    /** Applies the verified import staged in {@code dir}, if one waits there. */
    private void completeOne(String volume, Path dir) throws IOException, SnapshotException {
        Optional<ImportStaging> staging = ImportStaging.open(dir);
        if (staging.isPresent() && staging.get().phase() != ImportStaging.Phase.RECEIVING) {
            LOG.info("volume {}: completing the import of snapshot {} that a restart interrupted", volume,
                    staging.get().header().snapshot());
            LOG.info("volume {}: {}", volume, applier.apply(volume, staging.get(), new ImportProgress()).strip());
        }
    }
}
