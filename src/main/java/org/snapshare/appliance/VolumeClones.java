package org.snapshare.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.CloneFill;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;

/**
 * `volume clone`: a new volume that starts as a snapshot of another one
 * (or as its origin now) and becomes independent of it by a background copy
 * (docs/SNAPSHOTS.md, "Clones"). While the copy runs, a snapshot of the
 * source volume that no user sees keeps the clone's data; it goes when the
 * copy ends. Called under the appliance's lock, except for the copy's end,
 * which runs on the copy's thread and touches only the source's core.
 */
final class VolumeClones {

    private static final Logger LOG = LoggerFactory.getLogger(VolumeClones.class);

    private final VolumeCatalog catalog;

    VolumeClones(VolumeCatalog catalog) {
        this.catalog = catalog;
    }

    /** The source a user names: "VOLUME@SNAPSHOT", or "VOLUME" for its origin as it is now. */
    record From(String volume, Optional<String> snapshot) {

        static From parse(String text) throws ConfigException {
            int at = text.indexOf('@');
            if (at < 0) {
                return new From(VolumeNames.check(text), Optional.empty());
            }
            return new From(VolumeNames.check(text.substring(0, at)),
                    Optional.of(VolumeNames.checkSnapshot(text.substring(at + 1))));
        }

        @Override
        public String toString() {
            return volume + snapshot.map(name -> "@" + name).orElse("");
        }
    }

    /**
     * Takes the snapshot that keeps the source's data for the clone, makes
     * the clone's volume and starts its copy; the caller serves it.
     */
    Volume create(String name, Volume source, From from) throws ConfigException, SnapshotException, IOException {
        if (Files.exists(catalog.volumeDir(name))) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "volume " + name + " already exists");
        }
        SnapshotCore core = source.core();
        String kept = CloneFill.sourceSnapshotName(name, System.currentTimeMillis());
        LogicalUnit unit = from.snapshot().isPresent() ? core.createSnapshotOf(kept, from.snapshot().get())
                : core.createSnapshot(kept);
        Volume clone;
        try {
            clone = catalog.createClone(name, new CloneFill.Source(source.name, kept, unit.sizeBytes(),
                    from.toString()));
        } catch (ConfigException | IOException | RuntimeException e) {
            core.deleteSnapshot(kept);
            throw e;
        }
        if (attach(clone, source)) {
            start(clone, source);
        }
        LOG.info("volume {}: cloned from {}; copying its {} in the background", name, from,
                Sizes.format(unit.sizeBytes()));
        return clone;
    }

    /**
     * After a start: resumes every clone's copy (all volumes are open), lets
     * go of the sources of copies done, and deletes the kept snapshots no
     * clone needs (a crash between a clone's deletion and its source's).
     */
    void resumeAll(Collection<Volume> volumes) throws IOException {
        resumeCopies(volumes);
        for (Volume volume : volumes) {
            for (String snapshot : volume.core().snapshotStates().keySet()) {
                if (CloneFill.isSourceSnapshot(snapshot) && !copiedFrom(volume.name, snapshot, volumes)) {
                    deleteOrphan(volume, snapshot);
                }
            }
        }
    }

    /** Whether a clone's copy still reads {@code snapshot} of volume {@code source}. */
    private static boolean copiedFrom(String source, String snapshot, Collection<Volume> volumes) {
        return volumes.stream().flatMap(clone -> clone.cloneFill().stream()).anyMatch(fill -> !fill.over()
                && fill.source().volume().equals(source) && fill.source().snapshot().equals(snapshot));
    }

    private static Optional<Volume> named(String name, Collection<Volume> volumes) {
        return volumes.stream().filter(volume -> volume.name.equals(name)).findFirst();
    }

    private static void deleteOrphan(Volume volume, String snapshot) throws IOException {
        try {
            volume.core().deleteSnapshot(snapshot);
            LOG.info("volume {}: deleted snapshot {}, kept for a clone that no longer needs it", volume.name,
                    snapshot);
        } catch (SnapshotException alreadyGoing) {
            // being deleted already
        }
    }

    /** Every clone reads its source before any copy starts: a clone's source may be a clone that copies too. */
    private void resumeCopies(Collection<Volume> volumes) {
        Map<Volume, Volume> sources = new LinkedHashMap<>();
        for (Volume volume : volumes) {
            Optional<CloneFill> fill = volume.cloneFill();
            if (fill.isEmpty()) {
                continue;
            }
            String sourceName = fill.get().source().volume();
            Optional<Volume> source = named(sourceName, volumes);
            if (source.isEmpty()) {
                LOG.error("clone {}: its source volume {} is gone; the chunks not copied yet cannot be read",
                        volume.name, sourceName);
            } else if (fill.get().copied()) {
                letGo(volume.name, source.get(), fill.get());
            } else if (attach(volume, source.get())) {
                sources.put(volume, source.get());
            }
        }
        sources.forEach(this::start);
    }

    /** Reads of the clone's chunks not copied yet go to the snapshot kept in the source; false if it cannot be read. */
    private static boolean attach(Volume clone, Volume source) {
        CloneFill fill = clone.cloneFill().orElseThrow();
        try {
            fill.attach(source.core().snapshotUnit(fill.source().snapshot()));
            return true;
        } catch (SnapshotException | IOException e) {
            LOG.error("clone {}: its source {} cannot be read ({}); the chunks not copied yet cannot be read",
                    clone.name, fill.source().from(), e.getMessage(), e);
            return false;
        }
    }

    /** Starts (or resumes) the copy of an attached clone. */
    private void start(Volume clone, Volume source) {
        clone.cloneFill().orElseThrow().start(done -> letGo(clone.name, source, done));
    }

    /** The copy is done: the source's snapshot that kept its data goes, then the copy's journal. */
    private static void letGo(String clone, Volume source, CloneFill fill) {
        try {
            deleteKept(source, fill);
            fill.forget();
            LOG.info("clone {}: copied; it no longer depends on volume {}", clone, source.name);
        } catch (SnapshotException | IOException e) {
            LOG.warn("clone {}: copied, but letting go of its source failed ({}); retried on the next start", clone,
                    e.getMessage(), e);
        }
    }

    private static void deleteKept(Volume source, CloneFill fill) throws SnapshotException, IOException {
        if (source.core().hasSnapshot(fill.source().snapshot())) {
            source.core().deleteSnapshot(fill.source().snapshot());
        }
    }

    /** Refuses to delete a volume a clone still copies from, saying how far the copy is and the ways out. */
    static void refuseWhileCopiedFrom(String volume, Collection<Volume> volumes) throws ConfigException {
        for (Volume clone : volumes) {
            Optional<CloneFill> fill = clone.cloneFill();
            if (fill.isPresent() && !fill.get().over() && fill.get().source().volume().equals(volume)) {
                throw new ConfigException(ConfigException.Reason.CONFLICT, "volume " + volume + " is the source of"
                        + " clone " + clone.name + ", which is still copying its data (" + percent(fill.get())
                        + " done); wait until `snapshare volume list` no longer shows the copy, or delete volume "
                        + clone.name + " first");
            }
        }
    }

    /** After a clone whose copy had not ended was closed for deletion: its source lets go of the kept snapshot. */
    static void deleted(Volume clone, Collection<Volume> volumes) {
        Optional<CloneFill> fill = clone.cloneFill();
        if (fill.isEmpty() || fill.get().over()) {
            return;
        }
        named(fill.get().source().volume(), volumes).ifPresent(source -> {
            try {
                deleteKept(source, fill.get());
            } catch (SnapshotException | IOException e) {
                LOG.warn("volume {}: the snapshot {} kept for deleted clone {} was not deleted ({}); delete it by hand",
                        source.name, fill.get().source().snapshot(), clone.name, e.getMessage(), e);
            }
        });
    }

    /** The copy's state for `volume list`; empty when the volume is no clone or its copy is over. */
    static Optional<String> state(Volume volume) {
        Optional<CloneFill> fill = volume.cloneFill();
        if (fill.isEmpty() || fill.get().over()) {
            return Optional.empty();
        }
        return Optional.of((fill.get().failure().isPresent() ? "copy from " + fill.get().source().from()
                + " stopped at " : "copying from " + fill.get().source().from() + " ") + percent(fill.get()));
    }

    private static String percent(CloneFill fill) {
        return Math.round(Math.floor(fill.progress() * 100)) + "%";
    }
}
