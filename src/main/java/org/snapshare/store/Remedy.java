package org.snapshare.store;

import java.util.Objects;
import java.util.function.BiFunction;

/**
 * What a user can do about a failure or a warning of the lower layers. They
 * name the remedy; its words (the commands and settings of the user's
 * interface) belong to the layer that has them, which installs its wording
 * at start (the appliance's {@code Advice}). Until then, as in tests of the
 * lower layers alone, a remedy reads in the store's own terms.
 */
public enum Remedy {
    /** Damaged metadata: stop serving the volume and check its store offline. */
    CHECK_OFFLINE("stop serving the volume and check its store offline"),
    /** A metadata block with one good copy: heal it online, or repair the store offline. */
    HEAL_METADATA("a scrub of the store (online) or a repair (offline) rewrites it"),
    /** Range counters that disagree with the tree: an offline repair counts again. */
    RECOUNT("a repair of the store (offline) counts again"),
    /** Copied data that fails its checksum: list every damaged chunk, then restore from a backup. */
    FIND_DAMAGED_DATA("check or scrub the store to list every damaged chunk"),
    /** A store of a format without lock generations: only one node may serve it. */
    SERVE_ON_ONE_NODE("create the volume anew, or serve it from a single node"),
    /** A store at its limit that can grow further. */
    MAKE_ROOM("delete snapshots, or raise the store's size limit"),
    /** A store at its limit on a device that does not grow by itself. */
    MAKE_ROOM_ON_DEVICE("delete snapshots, or extend the store's device and have the store adopt its new size"),
    /** No ZooKeeper server answered: the address this node was given, or the ensemble itself. */
    CHECK_ZOOKEEPER("check the ZooKeeper address this node was given and that the ensemble runs"),
    /** Two nodes of a cluster under one name. */
    RENAME_NODE("give each node its own name"),
    /** A request naming a snapshot the volume does not have. */
    LIST_SNAPSHOTS("list the volume's snapshots"),
    /** A second scrub while one runs. */
    SCRUB_STATUS("ask the running scrub how far it is");

    /** Words of a remedy for a volume (null when the volume is not known where the remedy is named). */
    private static volatile BiFunction<Remedy, String, String> wording = (remedy, volume) -> remedy.plainWords;

    private final String plainWords;

    Remedy(String plainWords) {
        this.plainWords = plainWords;
    }

    /** Installs the user's words for every remedy; the process has one user interface, so once at start. */
    public static void wordWith(BiFunction<Remedy, String, String> words) {
        wording = Objects.requireNonNull(words);
    }

    /** What to do, in the user's words. */
    public String advice() {
        return wording.apply(this, null);
    }

    /** What to do about volume {@code volume}, in the user's words. */
    public String advice(String volume) {
        return wording.apply(this, volume);
    }

    /** What to do in the store's own terms, without the commands of any interface. */
    public String plainWords() {
        return plainWords;
    }
}
