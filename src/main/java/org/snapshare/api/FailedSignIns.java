package org.snapshare.api;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failed token checks per client address: after {@link #LIMIT} in a
 * {@link #WINDOW_MILLIS} window the address is refused (429) until the
 * window ends, without its tokens being looked at, so guessing is slow and
 * costs the server nothing. Holds at most {@link #ADDRESSES} addresses;
 * when all are recent, new ones are refused too.
 */
final class FailedSignIns {

    static final int LIMIT = 10;
    static final long WINDOW_MILLIS = 60_000;
    static final int ADDRESSES = 4096;

    private static final class Window {
        long startMillis;
        int failures;
    }

    private final Map<String, Window> byAddress = new LinkedHashMap<>();

    /** Seconds the address must wait before it may try again; 0 if it may try now. */
    synchronized long waitSeconds(String address, long nowMillis) {
        Window window = byAddress.get(address);
        if (window == null) {
            forgetExpired(nowMillis);
            return byAddress.size() >= ADDRESSES ? WINDOW_MILLIS / 1000 : 0;
        }
        long endMillis = window.startMillis + WINDOW_MILLIS;
        if (nowMillis >= endMillis) {
            byAddress.remove(address);
            return 0;
        }
        return window.failures >= LIMIT ? (endMillis - nowMillis + 999) / 1000 : 0;
    }

    synchronized void failed(String address, long nowMillis) {
        Window window = byAddress.get(address);
        if (window == null || nowMillis >= window.startMillis + WINDOW_MILLIS) {
            forgetExpired(nowMillis);
            if (byAddress.size() >= ADDRESSES) {
                return;
            }
            window = new Window();
            window.startMillis = nowMillis;
            byAddress.put(address, window);
        }
        window.failures++;
    }

    private void forgetExpired(long nowMillis) {
        for (Iterator<Window> it = byAddress.values().iterator(); it.hasNext();) {
            if (nowMillis >= it.next().startMillis + WINDOW_MILLIS) {
                it.remove();
            }
        }
    }
}
