package org.snapshare.iscsi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.snapshare.iscsi.scsi.BlockCommandProcessor;
import org.snapshare.iscsi.scsi.ReservationStore;
import org.snapshare.iscsi.scsi.TargetPortGroups;
import org.snapshare.snapshot.LogicalUnit;

/** The targets being served and who may reach them; targets come and go while the server runs. */
public final class TargetRegistry {

    private final Map<String, ExportedTarget> targets = new ConcurrentSkipListMap<>();
    private volatile AccessPolicy policy = AccessPolicy.OPEN;
    private volatile int portalGroupTag = 1;
    private volatile String advertisedPortal;

    /** Who may log in to what, from now on (logins already done stay). */
    public void policy(AccessPolicy newPolicy) {
        this.policy = newPolicy;
    }

    AccessPolicy policy() {
        return policy;
    }

    /**
     * The target portal group tag of this server's portal (RFC 7143): 1 for
     * a single node; in a cluster each node is its own portal group, since a
     * session cannot span nodes, and its tag is its ALUA port group number.
     */
    public void portalGroupTag(int tag) {
        if (tag < 1 || tag > 0xffff) {
            throw new IllegalArgumentException("portal group tag " + tag + " outside 1..65535");
        }
        this.portalGroupTag = tag;
    }

    int portalGroupTag() {
        return portalGroupTag;
    }

    /** SendTargets answers with {@code hostPort} (HOST:PORT) instead of the address a connection arrived on. */
    public void advertisedPortal(String hostPort) {
        this.advertisedPortal = hostPort;
    }

    Optional<String> advertisedPortal() {
        return Optional.ofNullable(advertisedPortal);
    }

    /** Serves {@code unit} as LUN 0 of target {@code name} from now on; reservations end with the server. */
    public void export(String name, LogicalUnit unit) {
        add(new ExportedTarget(name, unit, new BlockCommandProcessor(unit)));
    }

    /**
     * Serves {@code unit} as LUN 0 of target {@code name}, its persistent
     * reservations kept in {@code reservations} when initiators ask (APTPL);
     * fails if the state kept there cannot be read.
     */
    public void export(String name, LogicalUnit unit, ReservationStore reservations) throws IOException {
        export(name, unit, reservations, null);
    }

    /** Like {@link #export(String, LogicalUnit, ReservationStore)}, reached through ALUA {@code portGroups}. */
    public void export(String name, LogicalUnit unit, ReservationStore reservations, TargetPortGroups portGroups)
            throws IOException {
        add(new ExportedTarget(name, unit, BlockCommandProcessor.withReservationStore(unit, reservations,
                portGroups)));
    }

    /** The ALUA state of {@code name}'s unit changed on this node: its initiators get a unit attention. */
    public void accessStateChanged(String name) {
        lookup(name).ifPresent(target -> target.commands.accessStateChanged());
    }

    /** {@code name}'s unit changed size: its initiators get a unit attention and READ CAPACITY the new size. */
    public void capacityChanged(String name) {
        lookup(name).ifPresent(target -> target.commands.capacityChanged());
    }

    private void add(ExportedTarget target) {
        if (targets.putIfAbsent(target.name, target) != null) {
            throw new IllegalStateException("target " + target.name + " is already exported");
        }
    }

    /** Stops serving {@code name} and ends its sessions; other targets are untouched. */
    public void withdraw(String name) {
        ExportedTarget target = targets.remove(name);
        if (target != null) {
            target.closeSessions();
        }
    }

    /** Sessions logged in to any target. */
    /** Every session logged in to a target, by target. */
    public List<SessionInfo> sessions() {
        List<SessionInfo> list = new ArrayList<>();
        targets.values().forEach(target -> list.addAll(target.sessions()));
        list.sort(Comparator.comparing(SessionInfo::target).thenComparing(SessionInfo::initiatorPort));
        return list;
    }

    public int sessionCount() {
        return targets.values().stream().mapToInt(ExportedTarget::sessionCount).sum();
    }

    /** Sessions logged in to {@code name}, or 0 if it is not exported. */
    public int sessionCount(String name) {
        return lookup(name).map(ExportedTarget::sessionCount).orElse(0);
    }

    public List<String> names() {
        return new ArrayList<>(targets.keySet());
    }

    boolean isExported(ExportedTarget target) {
        return targets.get(target.name) == target;
    }

    Optional<ExportedTarget> lookup(String name) {
        return Optional.ofNullable(targets.get(name));
    }
}
