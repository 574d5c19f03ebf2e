package org.snapshare.store;

/** The life of a snapshot id in the store. */
public enum SnapshotState {
    /** Readable and writable; origin writes copy for it. */
    LIVE(1),
    /** Deleted by the user; background delete is reclaiming its chunks. */
    DELETING(2),
    /** Lost copies when the store ran full; reads of it fail. */
    INVALID(3);

    final int code;

    SnapshotState(int code) {
        this.code = code;
    }

    static SnapshotState of(int code) throws StoreCorruptException {
        for (SnapshotState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        throw new StoreCorruptException("unknown snapshot state code " + code);
    }
}
