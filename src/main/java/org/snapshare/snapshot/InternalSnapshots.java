package org.snapshare.snapshot;

/**
 * Snapshots the server keeps for its own work: a clone's source while the
 * clone copies it, a snapshot being received until its stream is written.
 * Their names hold a ':', which no user's snapshot name has; they are never
 * served, and the user's verbs refuse them.
 */
public final class InternalSnapshots {

    /** The name of a snapshot received as a snapshot of its parent until its stream is written into it. */
    private static final String RECEIVING = "receiving:";

    private InternalSnapshots() {
    }

    public static boolean isInternal(String name) {
        return name.indexOf(':') >= 0;
    }

    /** The name snapshot {@code name} has while it is received. */
    public static String receiving(String name) {
        return RECEIVING + name;
    }

    /** True while the snapshot is being received (its stream is not all written yet). */
    public static boolean isReceiving(String name) {
        return name.startsWith(RECEIVING);
    }
}
