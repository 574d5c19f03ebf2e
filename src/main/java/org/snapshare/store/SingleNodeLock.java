package org.snapshare.store;

import java.time.Duration;
import java.util.Optional;

/**
 * The lock of a store that one node serves (the default): always free, never
 * contended, generation 0. The data-directory lock already keeps a second
 * process away.
 */
public final class SingleNodeLock implements ClusterLock {

    private static final Grant GRANT = new Grant() {
        @Override
        public long generation() {
            return 0;
        }

        @Override
        public boolean othersHeldSince() {
            return false;
        }

        @Override
        public boolean valid() {
            return true;
        }
    };

    @Override
    public Optional<Grant> take(Duration timeout) {
        return Optional.of(GRANT);
    }

    @Override
    public void release() {
        // nobody else could want it
    }

    @Override
    public boolean contended() {
        return false;
    }

    @Override
    public void close() {
        // nothing held
    }
}
