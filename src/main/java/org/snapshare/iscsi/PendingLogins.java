package org.snapshare.iscsi;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts connections that have not finished their login, in total and per
 * initiator address, so that peers who have not authenticated hold only a
 * bounded share of the portal (docs/SECURITY.md).
 */
final class PendingLogins {

    private final int maxTotal;
    private final int maxPerAddress;
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private int total;

    PendingLogins(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    /** Takes a place for a connection from {@code address}; null when it may, else why not. */
    synchronized String tryEnter(InetAddress address) {
        if (total >= maxTotal) {
            return total + " connections are still logging in (max-pending-logins)";
        }
        int fromAddress = perAddress.getOrDefault(address, 0);
        if (fromAddress >= maxPerAddress) {
            return fromAddress + " connections from this address are still logging in"
                    + " (max-pending-logins-per-address)";
        }
        perAddress.put(address, fromAddress + 1);
        total++;
        return null;
    }

    /** The connection from {@code address} logged in, or ended: its place is free. */
    synchronized void leave(InetAddress address) {
        total--;
        perAddress.computeIfPresent(address, (key, count) -> count == 1 ? null : count - 1);
    }

    synchronized int total() {
        return total;
    }
}
