package org.snapshare.store;

/**
 * What happens to an origin write that cannot learn whether a snapshot needs
 * a copy, because the metadata that would say is unreadable (docs/STORE.md).
 */
public enum DamagedMetadataPolicy {
    /** The write goes ahead; every live snapshot becomes INVALID (never served with a wrong chunk). The default. */
    INVALIDATE_SNAPSHOTS,
    /** The write fails (the initiator sees an error); the snapshots stay as they are. */
    FAIL_WRITES
}
