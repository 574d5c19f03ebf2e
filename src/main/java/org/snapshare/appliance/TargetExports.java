package org.snapshare.appliance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.snapshare.iscsi.TargetRegistry;
import org.snapshare.snapshot.LogicalUnit;

/**
 * The iSCSI targets the appliance serves for its volumes: one for each
 * origin and one for each served snapshot, each with its reservations file,
 * metered when metrics are on and write-protected where the config says.
 * Used under the appliance's lock.
 */
final class TargetExports {

    private final String iqnPrefix;
    private final TargetRegistry targets;
    private final VolumeCatalog catalog;
    private final Membership membership;
    private final ReadOnlyPolicy readOnly;
    /** The LUN counters, or null when neither metrics-listen nor api-listen is set. */
    private final Supplier<Metrics> metrics;
    /** Per volume: the snapshots served, each with its unit's unique id (a reset serves a new unit). */
    private final Map<String, Map<String, Long>> exportedSnapshots = new TreeMap<>();

    TargetExports(String iqnPrefix, TargetRegistry targets, VolumeCatalog catalog, Membership membership,
            ReadOnlyPolicy readOnly, Supplier<Metrics> metrics) {
        this.iqnPrefix = iqnPrefix;
        this.targets = targets;
        this.catalog = catalog;
        this.membership = membership;
        this.readOnly = readOnly;
        this.metrics = metrics;
    }

    String targetName(String volume) {
        return iqnPrefix + ":" + volume;
    }

    String targetName(String volume, String snapshot) {
        return targetName(volume) + "." + snapshot;
    }

    /** Serves the volume's origin and the snapshots its table lists. */
    synchronized void export(Volume volume) throws IOException {
        exportTarget(volume, null, volume.unit());
        for (Map.Entry<String, LogicalUnit> snapshot : volume.core().servedSnapshots().entrySet()) {
            exportTarget(volume, snapshot.getKey(), snapshot.getValue());
        }
    }

    /** Serves the origin ({@code snapshot} null) or a snapshot, with its reservations file. */
    private void exportTarget(Volume volume, String snapshot, LogicalUnit unit) throws IOException {
        String name = snapshot == null ? targetName(volume.name) : targetName(volume.name, snapshot);
        FileReservationStore reservations = FileReservationStore.of(catalog.volumeDir(volume.name), snapshot);
        try {
            targets.export(name, served(volume.name, snapshot, unit), reservations,
                    membership.portGroups(volume.name, volume.core()));
        } catch (IOException e) {
            throw new IOException("target " + name + ": its persistent reservations in " + reservations
                    + " cannot be read (" + e.getMessage() + "); move the file away to serve it without them", e);
        }
        if (snapshot != null) {
            exportedSnapshots.computeIfAbsent(volume.name, v -> new TreeMap<>()).put(snapshot, unit.uniqueId());
        }
    }

    /**
     * Serves a snapshot just made (or received) as its target, without a deleted namesake's reservations. In a
     * cluster the watch on the store's table may have served it a moment before (the table changed first):
     * then it is served already, as this unit.
     */
    synchronized void serveNewSnapshot(Volume volume, String name, LogicalUnit unit) throws IOException {
        FileReservationStore.of(catalog.volumeDir(volume.name), name).save("");
        Long served = exportedSnapshots.getOrDefault(volume.name, Map.of()).get(name);
        if (served == null || served != unit.uniqueId()) {
            exportTarget(volume, name, unit);
        }
    }

    synchronized void withdrawSnapshot(String volume, String snapshot) {
        targets.withdraw(targetName(volume, snapshot));
        Metrics counted = metrics.get();
        if (counted != null) {
            counted.forget(volume, snapshot);
        }
        Map<String, Long> exported = exportedSnapshots.get(volume);
        if (exported != null) {
            exported.remove(snapshot);
        }
    }

    /** Stops serving the volume and all its snapshots. */
    synchronized void withdraw(Volume volume) {
        for (String snapshot : exportedSnapshots(volume)) {
            withdrawSnapshot(volume.name, snapshot);
        }
        exportedSnapshots.remove(volume.name);
        membership.forget(volume.name);
        targets.withdraw(targetName(volume.name));
        Metrics counted = metrics.get();
        if (counted != null) {
            counted.forget(volume.name, null);
        }
    }

    /** Serves exactly the snapshots the volume's table lists now (a reset one by its new unit). */
    synchronized void serveSnapshots(Volume volume) throws IOException {
        Map<String, LogicalUnit> served = volume.core().servedSnapshots();
        Map<String, Long> exported = exportedSnapshots.getOrDefault(volume.name, Map.of());
        for (Map.Entry<String, Long> snapshot : new ArrayList<>(exported.entrySet())) {
            LogicalUnit now = served.get(snapshot.getKey());
            if (now == null || now.uniqueId() != snapshot.getValue()) {
                withdrawSnapshot(volume.name, snapshot.getKey());
            }
        }
        for (Map.Entry<String, LogicalUnit> snapshot : served.entrySet()) {
            if (!exported.containsKey(snapshot.getKey())) {
                exportTarget(volume, snapshot.getKey(), snapshot.getValue());
            }
        }
    }

    synchronized Set<String> exportedSnapshots(Volume volume) {
        return new TreeSet<>(exportedSnapshots.getOrDefault(volume.name, Map.of()).keySet());
    }

    /** This node's sessions on the volume and its snapshots. */
    int sessions(Volume volume) {
        int count = targets.sessionCount(targetName(volume.name));
        for (String snapshot : exportedSnapshots(volume)) {
            count += targets.sessionCount(targetName(volume.name, snapshot));
        }
        return count;
    }

    /** The unit as its target serves it: counted when metrics are on, write-protected where the config says. */
    private LogicalUnit served(String volume, String snapshot, LogicalUnit unit) {
        Metrics counted = metrics.get();
        LogicalUnit metered = counted == null ? unit : counted.metered(unit, volume, snapshot);
        return readOnly.readOnly(volume, snapshot) ? new ReadOnlyUnit(metered) : metered;
    }
}
