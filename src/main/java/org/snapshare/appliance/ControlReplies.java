package org.snapshare.appliance;

import java.util.Optional;

/** What the CLI prints after an operation: the control layer's words for the appliance's outcomes. */
final class ControlReplies {

    private ControlReplies() {
    }

    static String created(Outcomes.VolumeCreated created) {
        return "created volume " + created.volume() + " (" + Sizes.format(created.sizeBytes()) + "), served as "
                + created.target() + " LUN 0\n";
    }

    static String cloned(Outcomes.VolumeCreated created) {
        return "created volume " + created.volume() + " (" + Sizes.format(created.sizeBytes()) + ") as a clone, served as "
                + created.target() + " LUN 0; it copies its data in the background (`snapshare volume list` shows"
                + " how far) and then no longer depends on its source\n";
    }

    static String created(Outcomes.SnapshotCreated created) {
        return "created snapshot " + created.snapshot() + " of volume " + created.volume() + ", served as "
                + created.target() + " LUN 0\n";
    }

    static String reset(Outcomes.SnapshotCreated reset) {
        return "reset snapshot " + reset.snapshot() + " of volume " + reset.volume() + " to what its parent holds"
                + " now, served as " + reset.target() + " LUN 0 (a new device: initiators log in again)\n";
    }

    static String volumeDeleted(String volume) {
        return "deleted volume " + volume + "\n";
    }

    static String snapshotDeleted(String volume, String snapshot) {
        return "deleted snapshot " + snapshot + " of volume " + volume
                + "; its space is reclaimed in the background (`snapshare status` shows progress)\n";
    }

    static String rollingBack(String volume, String snapshot) {
        return "rolling the origin of volume " + volume + " back to snapshot " + snapshot
                + " (online; other snapshots keep their content)\n";
    }

    static String resized(Outcomes.VolumeResized resized) {
        return "resized volume " + resized.volume() + " from " + Sizes.format(resized.beforeBytes()) + " to "
                + Sizes.format(resized.afterBytes()) + "; initiators were told (CAPACITY DATA HAS CHANGED): rescan"
                + " to see it (Linux: echo 1 > /sys/class/block/sdX/device/rescan); its snapshots keep their size\n";
    }

    static String grown(Outcomes.StoreGrown grown) {
        return "the exception store of volume " + grown.volume() + " grew by " + Sizes.format(grown.addedBytes())
                + " to " + Sizes.format(grown.sizeBytes()) + "\n";
    }

    static String scrubbing(String volume, long bytesPerSecond) {
        return "scrubbing volume " + volume + " online at up to " + Sizes.format(bytesPerSecond) + "/s\n";
    }

    /** A progress line, or "idle" when nothing runs. */
    static String progress(Optional<String> line) {
        return line.orElse("idle") + "\n";
    }
}
