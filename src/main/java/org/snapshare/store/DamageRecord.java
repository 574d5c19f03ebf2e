package org.snapshare.store;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/** The first metadata damage a store met since its mount, logged once with what it means for I/O. */
final class DamageRecord {

    private static final Logger LOG = LoggerFactory.getLogger(DamageRecord.class);

    private final BlockDevice device;
    private final DamagedMetadataPolicy policy;
    private volatile String damage;

    DamageRecord(BlockDevice device, DamagedMetadataPolicy policy) {
        this.device = device;
        this.policy = policy;
    }

    DamagedMetadataPolicy policy() {
        return policy;
    }

    /** Notes {@code damaged} unless damage was noted already. */
    synchronized void note(StoreCorruptException damaged) {
        if (damage != null) {
            return;
        }
        damage = damaged.getMessage();
        LOG.error("exception store on {} has damaged metadata: {}. Snapshot reads that need it fail; origin"
                + " writes {}. To mend it: {}", device, damage, policy == DamagedMetadataPolicy.FAIL_WRITES
                ? "that need it fail (damaged-metadata policy: fail writes)"
                : "invalidate the live snapshots and go ahead", Remedy.CHECK_OFFLINE.advice());
    }

    /** Repair replaced the damaged metadata. */
    void repaired() {
        damage = null;
    }

    Optional<String> current() {
        return Optional.ofNullable(damage);
    }
}
