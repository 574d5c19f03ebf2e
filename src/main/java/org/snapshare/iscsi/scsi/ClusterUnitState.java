package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of a unit the nodes of a cluster share, kept whole in its
 * {@link ReservationStore} (docs/CLUSTER.md): persistent reservations, the
 * SPC-2 RESERVE and the last unit attentions raised for every node's
 * nexuses. A node changes it only in a tenure of the volume's lock, after
 * reading it back ({@link #refresh}); commands that do not take the lock
 * read it first ({@link #catchUp}), so a RESERVE or a reset made through one
 * node is seen by the next command through any other. Everything here runs
 * under the {@link Reservations}' lock, the one their changes hold.
 */
final class ClusterUnitState implements UnitState {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterUnitState.class);

    /** Attentions kept: a node that missed more than these (a long stall) misses the oldest. */
    static final int KEPT_ATTENTIONS = 16;
    /** How often a RESERVE held through another node is checked against the live nodes. */
    private static final long LIVENESS_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final SharedUnitState NOTHING = SharedUnitState.of(
            new ReservationState(false, 0, Map.of(), 0, null));

    private final Reservations reservations;
    private final UnitAttentions attentions;
    private final ReservationStore store;
    private final TargetPortGroups groups;
    private final Deque<SharedAttention> kept = new ArrayDeque<>();
    private long lastSequence;
    private SharedUnitState known = NOTHING; // what the store held when last read or written
    private String knownText = "";
    private long loadedTenure = Long.MIN_VALUE;
    private long livenessCheckedAt;

    private ClusterUnitState(Reservations reservations, UnitAttentions attentions, ReservationStore store,
            TargetPortGroups groups) {
        this.reservations = reservations;
        this.attentions = attentions;
        this.store = store;
        this.groups = groups;
    }

    /**
     * The state {@code store} keeps, taken into {@code reservations}; the
     * attentions in it were raised before this node served the unit, so none
     * is raised here.
     */
    static ClusterUnitState open(Reservations reservations, UnitAttentions attentions, ReservationStore store,
            TargetPortGroups groups) throws IOException {
        ClusterUnitState state = new ClusterUnitState(reservations, attentions, store, groups);
        synchronized (reservations) {
            state.read(false);
        }
        return state;
    }

    /**
     * Whether the state holds persistent reservations that asked not to
     * survive a power loss (no APTPL) although this node is the only one
     * up: the whole cluster restarted, which for them is that power loss.
     */
    boolean outlivedTheCluster() throws IOException {
        synchronized (reservations) {
            ReservationState state = reservations.state();
            if (state.aptpl() || (state.keys().isEmpty() && state.type() == 0)) {
                return false;
            }
        }
        for (TargetPortGroups.PortGroup group : groups.groups()) {
            if (group.id() != groups.local()) {
                return false;
            }
        }
        return true;
    }

    /** Reads the state again if another node changed it, for a command that does not take the lock. */
    void catchUp() throws IOException {
        synchronized (reservations) {
            read(true);
        }
    }

    /**
     * Reads the state back at the start of a new tenure (another node may
     * have changed it); a RESERVE whose nexus is gone is dropped from the
     * store too.
     */
    void refresh(long tenure) throws IOException {
        synchronized (reservations) {
            if (tenure != loadedTenure) {
                read(true);
                loadedTenure = tenure;
            } else {
                dropLegacyOfALostNode();
            }
            if (!Objects.equals(reservations.legacy(), known.legacy())) {
                changed(); // dropped here: the other nodes cannot tell
            }
        }
    }

    private void read(boolean raise) throws IOException {
        String text = store.load().orElse("");
        if (text.equals(knownText)) {
            dropLegacyOfALostNode();
            return;
        }
        SharedUnitState state = text.isEmpty() ? NOTHING : ReservationForm.read(text);
        reservations.replaceWith(state.reservations(), stillHeld(state.legacy()));
        for (SharedAttention attention : state.attentions()) {
            if (attention.sequence() > lastSequence) {
                lastSequence = attention.sequence();
                if (raise && attention.group() != groups.local()) {
                    tellNexusesHere(attention);
                }
            }
        }
        kept.clear();
        kept.addAll(state.attentions());
        known = state;
        knownText = text;
    }

    private void tellNexusesHere(SharedAttention attention) {
        if (attention.port() == null) {
            attentions.raise(attention.code(), null);
        } else {
            attentions.raiseFor(attention.port(), attention.code());
        }
    }

    /**
     * {@code legacy} if its nexus may still exist: this node knows its own
     * nexuses; another node's end with it (it left the cluster, or its
     * session expired), which that node cannot write down itself.
     */
    private LegacyReservation stillHeld(LegacyReservation legacy) {
        if (legacy == null) {
            return null;
        }
        if (legacy.group() == groups.local()) {
            return attentions.present(legacy.port()) ? legacy : null;
        }
        livenessCheckedAt = System.nanoTime();
        try {
            for (TargetPortGroups.PortGroup group : groups.groups()) {
                if (group.id() == legacy.group()) {
                    return legacy;
                }
            }
            LOG.info("the RESERVE of {} ends: port group {} left the cluster", legacy.port(), legacy.group());
            return null;
        } catch (IOException e) {
            LOG.warn("cannot tell whether port group {} still serves ({}); its RESERVE stays", legacy.group(),
                    e.getMessage());
            return legacy;
        }
    }

    private void dropLegacyOfALostNode() {
        LegacyReservation legacy = reservations.legacy();
        if (legacy != null && legacy.group() != groups.local()
                && System.nanoTime() - livenessCheckedAt > LIVENESS_CHECK_NANOS && stillHeld(legacy) == null) {
            reservations.endLegacy();
        }
    }

    @Override
    public void raiseFor(String port, SenseCode code) {
        attentions.raiseFor(port, code);
        keep(new SharedAttention(++lastSequence, groups.local(), code, port));
    }

    @Override
    public void raiseForAll(SenseCode code) {
        attentions.raise(code, null);
        keep(new SharedAttention(++lastSequence, groups.local(), code, null));
    }

    private void keep(SharedAttention attention) {
        kept.add(attention);
        while (kept.size() > KEPT_ATTENTIONS) {
            kept.removeFirst();
        }
    }

    @Override
    public void changed() throws IOException {
        SharedUnitState now = new SharedUnitState(reservations.state(), reservations.legacy(), List.copyOf(kept));
        if (!now.equals(known)) {
            String text = ReservationForm.write(now);
            store.save(text);
            known = now;
            knownText = text;
        }
    }
}
