package org.snapshare.store;

/** What happens to an origin write whose copy-on-write copy finds the store full (docs/STORE.md). */
public enum StoreFullPolicy {
    /** The write goes ahead; snapshots that needed the copy become INVALID (like LVM). The default. */
    INVALIDATE_SNAPSHOTS,
    /** The write fails (the initiator sees an error); no snapshot loses data. */
    FAIL_WRITES
}
