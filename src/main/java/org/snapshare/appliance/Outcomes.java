package org.snapshare.appliance;

/** What an operation of the appliance did, for the control layer and the API to put in their own words. */
public final class Outcomes {

    private Outcomes() {
    }

    /** A volume made and served. */
    public record VolumeCreated(String volume, long sizeBytes, String target) {
    }

    /** A snapshot taken and served. */
    public record SnapshotCreated(String volume, String snapshot, String target) {
    }

    /** A volume grown online. */
    public record VolumeResized(String volume, long beforeBytes, long afterBytes) {
    }

    /** A store that adopted the new size of its device. */
    public record StoreGrown(String volume, long addedBytes, long sizeBytes) {
    }
}
