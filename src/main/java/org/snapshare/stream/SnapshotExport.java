package org.snapshare.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.snapshare.snapshot.ChangedRun;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.snapshot.VolumeDiff;
import org.snapshare.store.SnapshotInfo;

/**
 * Writes a snapshot as a stream (docs/STREAM.md): all of it, or what changed
 * since a base snapshot, found from the store's entries alone. Data is read
 * through the snapshot's unit, as an initiator reads it, so the stream holds
 * the snapshot's content whatever the origin does meanwhile.
 */
public final class SnapshotExport {

    /** Data is read and sent in pieces of this many bytes at most, aligned to the volume. */
    static final int PIECE = 1 << 20;

    private SnapshotExport() {
    }

    /**
     * Exports {@code snapshot} of {@code volume} to {@code out}; with
     * {@code base}, only what differs from it; from volume byte
     * {@code resumeFrom} on (0: all), to continue an interrupted import.
     */
    public static void run(String volume, SnapshotCore core, String snapshot, Optional<String> base, long resumeFrom,
            OutputStream out) throws IOException, SnapshotException {
        SnapshotInfo info = core.liveSnapshot(snapshot);
        Optional<StreamHeader.Base> baseOf = Optional.empty();
        if (base.isPresent()) {
            SnapshotInfo baseInfo = core.liveSnapshot(base.get());
            if (baseInfo.sizeBytes() != info.sizeBytes()) {
                throw new SnapshotException("snapshot " + snapshot + " is " + info.sizeBytes() + " bytes but its base "
                        + base.get() + " is " + baseInfo.sizeBytes() + ": the volume was resized between them, so"
                        + " send a full stream of " + snapshot + " (without --since)");
            }
            baseOf = Optional.of(new StreamHeader.Base(baseInfo.name(), baseInfo.identity(), baseInfo.sizeBytes(),
                    info.parentId() == baseInfo.id())); // since its parent: received as a snapshot of it
        }
        VolumeDiff diff = core.diff(base, Optional.of(snapshot));
        if (resumeFrom < 0 || resumeFrom > diff.sizeBytes()) {
            throw new SnapshotException("cannot resume at byte " + resumeFrom + ": snapshot " + snapshot + " is "
                    + diff.sizeBytes() + " bytes");
        }
        long total = diff.runs().stream().mapToLong(run -> Math.max(0, run.end() - Math.max(run.offset(), resumeFrom)))
                .sum();
        StreamWriter writer = new StreamWriter(out);
        writer.header(new StreamHeader(volume, diff.sizeBytes(), diff.chunkSize(), snapshot, info.identity(),
                info.created(), baseOf, resumeFrom, total));
        LogicalUnit unit = core.snapshotUnit(snapshot);
        ByteBuffer buffer = ByteBuffer.allocateDirect(PIECE);
        for (ChangedRun run : diff.runs()) {
            long from = Math.max(run.offset(), resumeFrom);
            if (from >= run.end()) {
                continue;
            }
            if (run.zeros()) {
                writer.zeros(from, run.end() - from);
                continue;
            }
            for (long at = from; at < run.end(); ) {
                int length = (int) Math.min(run.end() - at, PIECE - at % PIECE);
                buffer.clear().limit(length);
                unit.read(at, buffer);
                writer.extent(at, buffer.flip());
                at += length;
            }
        }
        core.liveSnapshot(snapshot); // deleted meanwhile: its reads may have failed or not; say so either way
        writer.finish();
    }
}
