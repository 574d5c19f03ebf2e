package org.snapshare.iscsi.scsi;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Unit attention conditions of one logical unit, per I_T nexus (SAM-5,
 * 5.14): raised by resets, MODE SELECT and preempted reservations, reported
 * once each, oldest first, on the nexus's next command other than INQUIRY,
 * REPORT LUNS and REQUEST SENSE (which returns and clears it).
 */
final class UnitAttentions {

    private final Map<String, Deque<SenseCode>> pending = new HashMap<>();
    /** Lets commands skip the lock when nothing is pending, which is nearly always. */
    private volatile boolean any;

    synchronized void nexusStarted(String port) {
        pending.putIfAbsent(port, new ArrayDeque<>());
    }

    synchronized void nexusLost(String port) {
        pending.remove(port);
    }

    /** Whether {@code port} has a nexus here now. */
    synchronized boolean present(String port) {
        return pending.containsKey(port);
    }

    /** Raises {@code code} for every nexus but {@code except} (null: for all). */
    synchronized void raise(SenseCode code, String except) {
        pending.keySet().stream().filter(port -> !port.equals(except)).forEach(port -> raiseFor(port, code));
    }

    /** Raises {@code code} for one nexus, once: a condition already pending is not queued again. */
    synchronized void raiseFor(String port, SenseCode code) {
        Deque<SenseCode> queue = pending.get(port);
        if (queue != null && !queue.contains(code)) {
            queue.add(code);
            any = true;
        }
    }

    /** The oldest condition pending for {@code port}, now reported, or null. */
    SenseCode take(String port) {
        if (!any) {
            return null;
        }
        synchronized (this) {
            Deque<SenseCode> queue = pending.get(port);
            SenseCode code = queue == null ? null : queue.poll();
            any = pending.values().stream().anyMatch(q -> !q.isEmpty());
            return code;
        }
    }
}
