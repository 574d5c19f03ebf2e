package org.snapshare.appliance;

/**
 * One volume as `volume list` and the API show it: its size, target,
 * sessions on the origin, exception store use, health and snapshot count.
 * {@code state} is "ok", "damaged", "store over N%" or, for a clone whose copy
 * runs, "copying from VOLUME@SNAPSHOT N%".
 */
public record VolumeSummary(String name, long sizeBytes, String target, int sessions, long storeUsedBytes,
        long storeSizeBytes, long storeLimitBytes, int storePercentOfLimit, String state, int snapshots) {
}
