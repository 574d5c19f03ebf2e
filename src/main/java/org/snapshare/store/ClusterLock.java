package org.snapshare.store;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The lock that makes one exception store safe to share between nodes, as
 * the dm-devel thread proposed: not a clustered store, a lock with three
 * calls. The node holding it may read and change the store; everything it
 * changed is committed and flushed before {@link #release()}.
 */
public interface ClusterLock extends Closeable {

    /**
     * Acquires the lock, waiting at most {@code timeout}; empty when another
     * node still holds it then. The grant says whether another node held the
     * lock since this node last released it: then every cached byte of the
     * store (and of the origin) may be stale and must be read again.
     */
    Optional<Grant> take(Duration timeout) throws IOException;

    /** Gives the lock up; the caller has committed and flushed everything it changed. */
    void release() throws IOException;

    /** True when another node waits for the lock: long work should hand it over at its next safe point. */
    boolean contended();

    /**
     * Calls {@code wake} (quickly, on another thread) as soon as another node
     * comes to wait for the lock, so the holder need not poll
     * {@link #contended}. This default (a lock nobody else wants) never calls it.
     */
    default void onContention(Runnable wake) {
    }

    /** One tenure of the lock. */
    interface Grant {

        /**
         * A number that only grows from one tenure to the next, cluster-wide;
         * written in every commit block, so a node with an older one can see
         * it was fenced. 0 for the single-node lock.
         */
        long generation();

        /** True when another node may have held the lock (and changed the store) since this node last did. */
        boolean othersHeldSince();

        /**
         * False once this node can no longer be sure it holds the lock (its
         * cluster session was suspended or lost, or not confirmed in time).
         * Nothing may change the store then.
         */
        boolean valid();
    }
}
