package org.snapshare.appliance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.snapshare.Version;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.iscsi.SessionInfo;
import org.snapshare.snapshot.CloneFill;
import org.snapshare.snapshot.InternalSnapshots;
import org.snapshare.snapshot.LockStatus;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.snapshot.SnapshotStatus;
import org.snapshare.store.Remedy;
import org.snapshare.store.StoreSpace;

/**
 * What the server holds and does: as records for programs (the API) and as
 * the tables the CLI prints for `volume list`, `snapshot list`, `status`,
 * `schedule list` and `replicate list`. Each view is taken under the
 * appliance's lock, so it is consistent.
 */
public final class Reports {

    private final Appliance appliance;

    Reports(Appliance appliance) {
        this.appliance = appliance;
    }

    String listVolumes() {
        StringBuilder out = new StringBuilder(String.format("%-20s %12s %8s  %-48s %6s %s%n", "NAME", "SIZE",
                "SESSIONS", "TARGET", "STORE", "STATE"));
        for (VolumeSummary row : volumeSummaries()) {
            out.append(String.format("%-20s %12s %8d  %-48s %5d%% %s%n", row.name(), Sizes.format(row.sizeBytes()),
                    row.sessions(), row.target(), row.storePercentOfLimit(), row.state()));
        }
        return out.toString();
    }

    VolumeSummary summary(Volume volume) {
        String target = appliance.targetName(volume.name);
        StoreSpace space = volume.core().storeSpace();
        String state = volume.core().damage().isPresent() ? "damaged"
                : space.warningLevel() > 0 ? "store over " + space.warningLevel() + "%"
                : VolumeClones.state(volume).orElse("ok");
        return new VolumeSummary(volume.name, volume.sizeBytes(), target, appliance.targets().sessionCount(target),
                space.usedBytes(), space.sizeBytes(), space.limitBytes(), space.percentOfLimit(), state,
                appliance.exportedSnapshots(volume).size());
    }

    String listSnapshots(Volume volume) throws IOException {
        StringBuilder out = new StringBuilder(String.format("%-20s %-20s %-20s %-13s %10s %10s %8s  %s%n", "NAME",
                "PARENT", "CREATED", "STATE", "OWNED", "TREE", "SESSIONS", "TARGET / WORK"));
        for (SnapshotSummary row : snapshots(volume)) {
            out.append(String.format("%-20s %-20s %-20s %-13s %10s %10s %8d  %s%n", row.name(),
                    row.parent() == null ? "origin" : row.parent(),
                    row.created().truncatedTo(ChronoUnit.SECONDS).toString(),
                    row.held() ? row.state() + ",held" : row.state(), bytes(row.ownedBytes()), bytes(row.treeBytes()),
                    row.sessions(), row.work().isEmpty() ? row.target() : row.work()));
        }
        return out.toString();
    }

    private static String bytes(long bytes) {
        return bytes < 0 ? "unknown" : Sizes.format(bytes);
    }

    List<SnapshotSummary> snapshots(Volume volume) throws IOException {
        List<SnapshotSummary> rows = new ArrayList<>();
        Set<String> held = appliance.heldSnapshots(volume.name);
        for (SnapshotStatus row : volume.core().snapshots()) {
            String target = CloneFill.isSourceSnapshot(row.name()) ? "not served: keeps a clone's data while it copies"
                    : InternalSnapshots.isInternal(row.name()) ? "not served: being received"
                    : appliance.targetName(volume.name, row.name());
            rows.add(new SnapshotSummary(row.name(), row.created(), row.state(), row.ownedBytes(), row.treeBytes(),
                    appliance.targets().sessionCount(target), target, row.work(), held.contains(row.name()),
                    row.parent().isEmpty() ? null : row.parent()));
        }
        return rows;
    }

    static String schedules(List<ScheduleSummary> schedules) {
        StringBuilder out = new StringBuilder(String.format("%-20s %-6s %5s %-20s %-20s %s%n", "VOLUME", "FROM",
                "AUTO", "LAST SUCCESS", "LAST FAILURE", "SCHEDULE"));
        for (ScheduleSummary row : schedules) {
            out.append(String.format("%-20s %-6s %5d %-20s %-20s %s%n", row.volume(), row.source(),
                    row.autoSnapshots(), time(row.lastSuccess()), time(row.lastFailure()), row.policy()));
            if (row.lastFailure() != null) {
                out.append("  last failure: ").append(row.lastError()).append('\n');
            }
        }
        return out.toString();
    }

    static String replications(List<ReplicationSummary> replications) {
        StringBuilder out = new StringBuilder(String.format("%-20s %-28s %-22s %-20s %8s %10s  %s%n", "VOLUME", "TO",
                "LAST SENT", "LAST SUCCESS", "LAG", "BEHIND", "KEEP THERE"));
        for (ReplicationSummary row : replications) {
            out.append(String.format("%-20s %-28s %-22s %-20s %7ds %10s  %s%n", row.volume(), row.to(),
                    row.lastSent().isEmpty() ? "-" : row.lastSent(), time(row.lastSuccess()), row.lagSeconds(),
                    Sizes.format(row.lagBytes()), row.keep().isEmpty() ? "everything" : row.keep()));
            if (row.lastFailure() != null) {
                out.append("  last failure ").append(time(row.lastFailure())).append(": ").append(row.lastError())
                        .append('\n');
            }
        }
        return out.toString();
    }

    private static String time(Instant time) {
        return time == null ? "-" : time.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    String status() throws IOException {
        Duration uptime = Duration.between(appliance.started(), Instant.now()).withNanos(0);
        return "snapshare " + Version.get() + "\n"
                + "data dir:    " + appliance.config().dataDir().toAbsolutePath() + "\n"
                + "portal:      " + appliance.iscsi().boundAddress().getAddress().getHostAddress() + ":"
                + appliance.iscsi().boundAddress().getPort() + "\n"
                + "uptime:      " + uptime.toString().substring(2).toLowerCase() + "\n"
                + "volumes:     " + appliance.volumesNow().size() + "\n"
                + "connections: " + appliance.iscsi().connectionCount() + "\n"
                + clusterStatus()
                + volumeStatus();
    }

    private String clusterStatus() throws IOException {
        Optional<ZooKeeperCluster> cluster = appliance.membership().cluster();
        if (cluster.isEmpty()) {
            return "cluster:     none (single node)\n";
        }
        StringBuilder out = new StringBuilder("cluster:     node " + cluster.get().nodeName() + ", ZooKeeper "
                + appliance.config().clusterZookeeper().orElseThrow() + "\n");
        for (Map.Entry<String, String> member : cluster.get().members().entrySet()) {
            out.append(String.format("  node %s at %s%n", member.getKey(), member.getValue()));
        }
        return out.toString();
    }

    private String volumeStatus() throws IOException {
        StringBuilder out = new StringBuilder();
        for (Volume volume : appliance.volumesNow()) {
            StoreSpace space = volume.core().storeSpace();
            out.append(String.format("volume %s: %d snapshot(s), exception store %s used of %s (%s)%n", volume.name,
                    appliance.exportedSnapshots(volume).size(), Sizes.format(space.usedBytes()), Sizes.format(space.sizeBytes()),
                    space.canGrow() ? "grows up to " + Sizes.format(space.limitBytes()) : "cannot grow"));
            if (space.warningLevel() > 0) {
                out.append(String.format("  WARNING: exception store %d%% full of its limit; at 100%% the"
                        + " store-full-policy applies: %s%n", space.percentOfLimit(), Advice.words(space.canGrow()
                        ? Remedy.MAKE_ROOM : Remedy.MAKE_ROOM_ON_DEVICE, volume.name)));
            }
            volume.core().damage().ifPresent(damage -> out.append("  DAMAGED metadata: ").append(damage)
                    .append("; ").append(Advice.words(Remedy.CHECK_OFFLINE, volume.name)).append('\n'));
            long heals = volume.core().metadataHeals();
            if (heals > 0) {
                out.append(String.format("  metadata copies healed from their twin: %d (the disk under the store"
                        + " returns damaged blocks: look at its health)%n", heals));
            }
            long cutOff = volume.core().cutOffCommits();
            if (cutOff > 0) {
                out.append(String.format("  commits cut off by a crash and rolled back at mount: %d (the store"
                        + " stands at the commit before; none of them had been acknowledged)%n", cutOff));
            }
            Optional<ZooKeeperCluster> cluster = appliance.membership().cluster();
            if (cluster.isPresent()) {
                out.append("  ").append(lockLine(cluster.get(), volume)).append('\n');
            }
            for (String work : volume.core().backgroundWork()) {
                out.append("  ").append(work).append('\n');
            }
        }
        appliance.streams().importProgress().forEach((volume, line) -> out.append("volume ").append(volume).append(": ")
                .append(line).append('\n'));
        return out.toString();
    }

    /** Who holds the volume's cluster lock, its generation, this node's handovers, and the active node. */
    private static String lockLine(ZooKeeperCluster cluster, Volume volume) throws IOException {
        LockStatus lock = volume.core().lockStatus();
        String holder = lock.held() ? "this node (generation " + lock.generation() + ")"
                : cluster.lastHolder(volume.name).map(node -> "node " + node).orElse("nobody yet");
        return "cluster lock: held by " + holder + "; handed over " + lock.handovers() + " time(s) by this node;"
                + " active (ALUA optimized) node: " + ClusterPortGroups.activeNode(cluster, volume.name,
                        volume.core()).orElse("none yet");
    }

    public List<VolumeSummary> volumeSummaries() {
        synchronized (appliance) {
            List<VolumeSummary> list = new ArrayList<>();
            appliance.volumesNow().forEach(volume -> list.add(summary(volume)));
            return list;
        }
    }

    public VolumeSummary volumeSummary(String name) throws ConfigException {
        synchronized (appliance) {
            return summary(appliance.volumeNamed(name));
        }
    }

    public List<SnapshotSummary> snapshotSummaries(String volumeName) throws ConfigException, IOException {
        synchronized (appliance) {
            return snapshots(appliance.volumeNamed(volumeName));
        }
    }

    public SnapshotSummary snapshotSummary(String volumeName, String name)
            throws ConfigException, SnapshotException, IOException {
        for (SnapshotSummary snapshot : snapshotSummaries(volumeName)) {
            if (snapshot.name().equals(name)) {
                return snapshot;
            }
        }
        throw SnapshotCore.noSnapshot(volumeName, name);
    }

    /** Every iSCSI session logged in to a target. */
    public List<SessionInfo> sessionList() {
        return appliance.targets().sessions();
    }

    public ClusterSummary clusterSummary() throws IOException {
        synchronized (appliance) {
            ZooKeeperCluster cluster = appliance.membership().cluster().orElse(null);
            if (cluster == null) {
                return new ClusterSummary("", "", Map.of(), List.of());
            }
            List<ClusterSummary.VolumeLock> locks = new ArrayList<>();
            for (Volume volume : appliance.volumesNow()) {
                LockStatus lock = volume.core().lockStatus();
                String holder = lock.held() ? cluster.nodeName() : cluster.lastHolder(volume.name).orElse("");
                locks.add(new ClusterSummary.VolumeLock(volume.name, holder, lock.held(), lock.generation(),
                        lock.handovers(), ClusterPortGroups.activeNode(cluster, volume.name, volume.core())
                                .orElse("")));
            }
            return new ClusterSummary(cluster.nodeName(), appliance.config().clusterZookeeper().orElse(""),
                    cluster.members(), locks);
        }
    }

    /** The access keys of the config (secrets masked) and which served targets are write-protected. */
    public AccessSummary accessSummary() {
        ApplianceConfig config = appliance.config();
        Map<String, String> settings = new TreeMap<>();
        for (String key : config.keys()) {
            if (ConfigAccessPolicy.isAccessKey(key) || ReadOnlyPolicy.isReadOnlyKey(key)) {
                settings.put(key, key.contains("secret") ? "(set)" : config.optional(key).orElse(""));
            }
        }
        List<AccessSummary.TargetAccess> list = new ArrayList<>();
        synchronized (appliance) {
            ReadOnlyPolicy readOnly = appliance.readOnlyPolicy();
            for (Volume volume : appliance.volumesNow()) {
                list.add(new AccessSummary.TargetAccess(appliance.targetName(volume.name),
                        readOnly.readOnly(volume.name, null)));
                for (String snapshot : appliance.exportedSnapshots(volume)) {
                    list.add(new AccessSummary.TargetAccess(appliance.targetName(volume.name, snapshot),
                            readOnly.readOnly(volume.name, snapshot)));
                }
            }
        }
        return new AccessSummary(settings, list);
    }

    public ApplianceStatus statusSummary() {
        synchronized (appliance) {
            List<String> work = new ArrayList<>();
            for (Volume volume : appliance.volumesNow()) {
                volume.core().backgroundWork().forEach(line -> work.add("volume " + volume.name + ": " + line));
            }
            appliance.streams().importProgress().forEach((volume, line) -> work.add("volume " + volume + ": " + line));
            InetSocketAddress bound = appliance.iscsi().boundAddress();
            String node = appliance.membership().cluster().map(ZooKeeperCluster::nodeName).orElse("");
            return new ApplianceStatus(Version.get(), appliance.started(), bound.getAddress().getHostAddress() + ":"
                    + bound.getPort(), appliance.iscsi().connectionCount(), appliance.targets().sessionCount(),
                    node, volumeSummaries(), work);
        }
    }
}
