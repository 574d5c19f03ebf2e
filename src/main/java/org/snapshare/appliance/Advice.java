package org.snapshare.appliance;

import org.snapshare.store.Remedy;

/**
 * The user's words for every remedy the lower layers name: the commands of
 * the CLI and the keys of the config. Installed once by the CLI at start, so
 * logs, replies and reports all say the same; `AdviceTest` holds each
 * command named here to the CLI's command table.
 */
public final class Advice {

    private Advice() {
    }

    /** Makes every remedy speak in these words from now on. */
    public static void install() {
        Remedy.wordWith(Advice::words);
    }

    /** What to do, as the CLI's user does it; VOLUME stands for the volume when it is not known. */
    public static String words(Remedy remedy, String volume) {
        String v = volume == null ? "VOLUME" : volume;
        return switch (remedy) {
            case CHECK_OFFLINE -> "stop the server and run `snapshare check " + v + "`";
            case HEAL_METADATA -> "`snapshare scrub " + v + "` (online) or `snapshare repair " + v + "` (offline)"
                    + " rewrites it";
            case RECOUNT -> "`snapshare repair " + v + "` counts again";
            case FIND_DAMAGED_DATA -> "`snapshare check " + v + "` and `snapshare scrub " + v + "` list every"
                    + " damaged chunk";
            case SERVE_ON_ONE_NODE -> "create the volume anew, or serve it without cluster-zookeeper";
            case MAKE_ROOM -> "delete snapshots, or raise store-max-size";
            case MAKE_ROOM_ON_DEVICE -> "delete snapshots, or extend the store's device and run `snapshare volume"
                    + " grow-store " + v + "`";
            case CHECK_ZOOKEEPER -> "check cluster-zookeeper and that the ensemble runs";
            case RENAME_NODE -> "give each node its own cluster-node";
            case LIST_SNAPSHOTS -> "`snapshare snapshot list " + v + "` shows them";
            case SCRUB_STATUS -> "`snapshare scrub " + v + " --status` shows how far it is";
        };
    }
}
