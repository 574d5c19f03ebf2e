package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reservation state of one logical unit: persistent reservations
 * (SPC-4, 5.13: registered keys per I_T nexus and at most one reservation)
 * and the older RESERVE/RELEASE reservation (SPC-2). An I_T nexus is named
 * by its initiator port, "iqn...,i,0x&lt;ISID&gt;"; snapshare targets have one
 * target port each, one per cluster node. State lives in memory; {@link #state},
 * {@link #legacy} and {@link #replaceWith} let it outlive the server when an
 * initiator asks (APTPL), or be shared by the nodes of a cluster, in the text
 * form of {@link ReservationForm}.
 */
final class Reservations {

    /** Persistent reservation types (SPC-4, table 180). */
    static final int WRITE_EXCLUSIVE = 1;
    static final int EXCLUSIVE_ACCESS = 3;
    static final int WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 5;
    static final int EXCLUSIVE_ACCESS_REGISTRANTS_ONLY = 6;
    static final int WRITE_EXCLUSIVE_ALL_REGISTRANTS = 7;
    static final int EXCLUSIVE_ACCESS_ALL_REGISTRANTS = 8;

    /** Thrown when the rules say RESERVATION CONFLICT. */
    static final class ConflictException extends Exception {
        private static final long serialVersionUID = 1L;

        ConflictException(String detail) {
            super(detail, null, false, false);
        }
    }

    /** One registration as READ FULL STATUS reports it. */
    static final class Registration {
        final String port;
        final long key;
        final boolean holder;

        Registration(String port, long key, boolean holder) {
            this.port = port;
            this.key = key;
            this.holder = holder;
        }
    }

    /**
     * Registrations one unit keeps: each initiator port (name and ISID) may register, so an initiator
     * could otherwise grow the table, and the APTPL file, without bound. Clusters need a handful.
     */
    static final int MAX_REGISTRATIONS = 256;

    private final Map<String, Long> keys = new LinkedHashMap<>();
    private int generation;
    // Volatile so that commands may check "nothing reserved" without the lock (nearly always the case).
    private volatile int type;          // 0: no persistent reservation
    private String holder;              // the holder, for types other than all-registrants
    private volatile LegacyReservation legacy;
    /** The port group (node) this copy of the state answers for: its nexuses are (port, localGroup). */
    private final int localGroup;
    /** APTPL of the last successful REGISTER: keep the state through a power loss. */
    private boolean persistThroughPowerLoss;

    /** The reservations of a unit served through one port (group 0). */
    Reservations() {
        this(0);
    }

    /** The reservations of a unit as the node of port group {@code localGroup} sees them. */
    Reservations(int localGroup) {
        this.localGroup = localGroup;
    }

    static boolean validType(int type) {
        return type == WRITE_EXCLUSIVE || type == EXCLUSIVE_ACCESS || (type >= 5 && type <= 8);
    }

    private static boolean allRegistrants(int type) {
        return type == WRITE_EXCLUSIVE_ALL_REGISTRANTS || type == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
    }

    /** Whether {@code port} may run a command of {@code access} now (SPC-4, table 63). */
    boolean allows(String port, CommandAccess access) {
        return (type == 0 && legacy == null) || checkAccess(port, access);
    }

    private synchronized boolean checkAccess(String port, CommandAccess access) {
        if (access == CommandAccess.ALWAYS || access == CommandAccess.LEGACY_RESERVE) {
            return true; // RESERVE and RELEASE apply their own rules
        }
        if (legacy != null) {
            return holdsLegacy(port);
        }
        if (type == 0 || isHolder(port) || access == CommandAccess.STATUS
                || access == CommandAccess.PERSISTENT_RESERVE) {
            return true;
        }
        boolean registered = keys.containsKey(port);
        switch (type) {
            case WRITE_EXCLUSIVE:
                return access == CommandAccess.READ;
            case EXCLUSIVE_ACCESS:
                return false;
            case WRITE_EXCLUSIVE_REGISTRANTS_ONLY:
            case WRITE_EXCLUSIVE_ALL_REGISTRANTS:
                return registered || access == CommandAccess.READ;
            default: // exclusive access, registrants only or all registrants
                return registered;
        }
    }

    private boolean isHolder(String port) {
        return type != 0 && (allRegistrants(type) ? keys.containsKey(port) : port.equals(holder));
    }

    // ---- PERSISTENT RESERVE OUT service actions ----

    /** True when registering {@code newKey} for {@code port} would add a registration past {@link #MAX_REGISTRATIONS}. */
    synchronized boolean full(String port, long newKey) {
        return newKey != 0 && !keys.containsKey(port) && keys.size() >= MAX_REGISTRATIONS;
    }

    /**
     * REGISTER, or with {@code ignoreExisting} REGISTER AND IGNORE EXISTING
     * KEY; its {@code aptpl} decides whether the state is kept through a power loss.
     */
    synchronized void register(String port, long key, long newKey, boolean ignoreExisting, boolean aptpl)
            throws ConflictException {
        registerKey(port, key, newKey, ignoreExisting);
        persistThroughPowerLoss = aptpl;
    }

    private void registerKey(String port, long key, long newKey, boolean ignoreExisting) throws ConflictException {
        Long current = keys.get(port);
        if (current == null) {
            if (!ignoreExisting && key != 0) {
                throw new ConflictException("not registered, but a reservation key was given");
            }
            if (newKey != 0) {
                keys.put(port, newKey);
                generation++;
            }
            return;
        }
        if (!ignoreExisting && current != key) {
            throw new ConflictException("reservation key does not match the registered key");
        }
        if (newKey != 0) {
            keys.put(port, newKey);
        } else {
            unregister(port);
        }
        generation++;
    }

    /** Removes a registration; the reservation goes with its holder, or with the last registrant. */
    private void unregister(String port) {
        keys.remove(port);
        if (type != 0 && (allRegistrants(type) ? keys.isEmpty() : port.equals(holder))) {
            clearReservation();
        }
    }

    synchronized void reserve(String port, long key, int wantedType) throws ConflictException {
        checkRegistered(port, key);
        if (type == 0) {
            type = wantedType;
            holder = port;
        } else if (!isHolder(port) || type != wantedType) {
            throw new ConflictException("the logical unit is reserved, type " + type);
        }
    }

    /**
     * RELEASE. Returns the other registrants to tell (RESERVATIONS RELEASED),
     * which SPC asks for when a registrants-only or all-registrants
     * reservation ends; null when the holder named another type (INVALID
     * RELEASE OF PERSISTENT RESERVATION).
     */
    synchronized List<String> release(String port, long key, int releasedType) throws ConflictException {
        checkRegistered(port, key);
        if (type == 0 || !isHolder(port)) {
            return List.of();
        }
        if (releasedType != type) {
            return null;
        }
        boolean shared = type >= WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
        clearReservation();
        List<String> others = new ArrayList<>();
        if (shared) {
            keys.keySet().stream().filter(other -> !other.equals(port)).forEach(others::add);
        }
        return others;
    }

    /** CLEAR; returns the other nexuses whose registrations it removed. */
    synchronized List<String> clear(String port, long key) throws ConflictException {
        checkRegistered(port, key);
        List<String> others = new ArrayList<>(keys.keySet());
        others.remove(port);
        keys.clear();
        clearReservation();
        generation++;
        return others;
    }

    /**
     * PREEMPT: removes the registrations with {@code victimKey} (never the
     * preempting nexus's own) and, when they held the reservation, takes it
     * with {@code newType}. Returns the nexuses preempted, or null when
     * {@code victimKey} 0 is not allowed here (INVALID FIELD IN PARAMETER LIST).
     */
    synchronized List<String> preempt(String port, long key, long victimKey, int newType) throws ConflictException {
        checkRegistered(port, key);
        boolean takesReservation;
        if (type != 0 && allRegistrants(type)) {
            takesReservation = victimKey == 0;
        } else if (type != 0) {
            takesReservation = keys.get(holder) == victimKey;
        } else {
            takesReservation = false;
        }
        if (victimKey == 0 && !takesReservation) {
            return null;
        }
        List<String> removed = removeRegistrations(port, victimKey);
        if (removed.isEmpty() && !takesReservation) {
            throw new ConflictException("no registration has key " + Long.toHexString(victimKey));
        }
        if (takesReservation) {
            type = newType;
            holder = port;
        }
        generation++;
        return removed;
    }

    /** Removes the registrations of other nexuses with {@code victimKey} (0: all others); returns theirs. */
    private List<String> removeRegistrations(String keep, long victimKey) {
        List<String> removed = new ArrayList<>();
        for (Iterator<Map.Entry<String, Long>> it = keys.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> entry = it.next();
            if (!entry.getKey().equals(keep) && (victimKey == 0 || entry.getValue() == victimKey)) {
                it.remove();
                removed.add(entry.getKey());
            }
        }
        return removed;
    }

    private void checkRegistered(String port, long key) throws ConflictException {
        Long current = keys.get(port);
        if (current == null) {
            throw new ConflictException("the initiator port is not registered");
        }
        if (current != key) {
            throw new ConflictException("reservation key does not match the registered key");
        }
    }

    private void clearReservation() {
        type = 0;
        holder = null;
    }

    // ---- persistence (APTPL) ----

    synchronized boolean persistThroughPowerLoss() {
        return persistThroughPowerLoss;
    }

    /** The persistent state (what APTPL keeps and a cluster shares), whether or not APTPL asked for it. */
    synchronized ReservationState state() {
        return new ReservationState(persistThroughPowerLoss, generation, keys, type, holder);
    }

    /**
     * Takes over {@code state} and {@code legacyReservation} (kept for APTPL, or
     * another node's, read back from the shared store); a state whose
     * reservation is held by an unregistered port is refused and changes nothing.
     */
    synchronized void replaceWith(ReservationState state, LegacyReservation legacyReservation) throws IOException {
        if (state.type() != 0 && (!validType(state.type())
                || (!allRegistrants(state.type()) && !state.keys().containsKey(state.holder())))) {
            throw new IOException("damaged reservation state: reservation of type " + state.type()
                    + " held by an unregistered port");
        }
        keys.clear();
        keys.putAll(state.keys());
        generation = state.generation();
        type = state.type();
        holder = state.holder();
        persistThroughPowerLoss = state.aptpl();
        legacy = legacyReservation;
    }

    /** What a power-on leaves of persistent reservations made without APTPL: none, PRgeneration 0. */
    synchronized void powerOn() {
        keys.clear();
        clearReservation();
        generation = 0;
        persistThroughPowerLoss = false;
    }

    // ---- PERSISTENT RESERVE IN ----

    synchronized int generation() {
        return generation;
    }

    synchronized List<Long> registeredKeys() {
        return new ArrayList<>(keys.values());
    }

    /** The reservation's type, 0 when none. */
    synchronized int reservationType() {
        return type;
    }

    /** The key READ RESERVATION reports: the holder's, or 0 for all-registrants types. */
    synchronized long reservationKey() {
        return type == 0 || allRegistrants(type) ? 0 : keys.get(holder);
    }

    synchronized List<Registration> registrations() {
        List<Registration> all = new ArrayList<>();
        keys.forEach((port, key) -> all.add(new Registration(port, key, isHolder(port))));
        return all;
    }

    // ---- RESERVE / RELEASE (6) and (10) ----

    /** The SPC-2 reservation, null when none. */
    LegacyReservation legacy() {
        return legacy;
    }

    /** Whether {@code port}'s nexus through this node holds the SPC-2 reservation. */
    boolean holdsLegacy(String port) {
        LegacyReservation current = legacy;
        return current != null && current.group() == localGroup && current.port().equals(port);
    }

    synchronized void legacyReserve(String port) throws ConflictException {
        if (!keys.isEmpty()) {
            throw new ConflictException("persistent reservations are in use");
        }
        if (legacy != null && !holdsLegacy(port)) {
            throw new ConflictException("reserved by " + legacy.port() + " through port group " + legacy.group());
        }
        legacy = new LegacyReservation(port, localGroup);
    }

    /** RELEASE: only the holder's releases; anyone else's is a no-op (SPC-2, 7.21). */
    synchronized void legacyRelease(String port) throws ConflictException {
        if (!keys.isEmpty()) {
            throw new ConflictException("persistent reservations are in use");
        }
        if (holdsLegacy(port)) {
            legacy = null;
        }
    }

    /** The I_T nexus is gone (logout, dropped connection): its RESERVE ends; registrations persist. */
    synchronized void nexusLost(String port) {
        if (holdsLegacy(port)) {
            legacy = null;
        }
    }

    /**
     * LOGICAL UNIT RESET and target resets end a RESERVE (SPC-2), as does the
     * end of the node it was made through; persistent reservations stay.
     */
    synchronized void endLegacy() {
        legacy = null;
    }
}
