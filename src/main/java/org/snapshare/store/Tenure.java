package org.snapshare.store;

import java.io.IOException;
import org.snapshare.device.BlockDevice;

/**
 * This node's tenure of the store's cluster lock and the fencing it implies
 * (docs/CLUSTER.md): metadata is written, and bad copies healed, only under a
 * valid grant, and a commit first checks that no other node committed since.
 */
final class Tenure {

    private final BlockDevice device;
    private final Superblock superblock;
    /** The grant commits run under; null for a store nobody else can open (tools, tests). */
    // Volatile: metadata reads (which heal only under a valid grant) also run outside the store's lock.
    private volatile ClusterLock.Grant grant;

    Tenure(BlockDevice device, Superblock superblock) {
        this.device = device;
        this.superblock = superblock;
    }

    /** From now on the store is written under {@code tenure}. */
    void begin(ClusterLock.Grant tenure) {
        grant = tenure;
    }

    /** Whether a server holds the store under a grant (tools and tests do not). */
    boolean granted() {
        return grant != null;
    }

    /** Whether this node may write the store's metadata now (it holds a valid tenure). */
    boolean mayWrite() {
        ClusterLock.Grant current = grant;
        return current != null && current.valid();
    }

    /** Whether the store was held under a grant that is no longer valid. */
    boolean lost() {
        ClusterLock.Grant current = grant;
        return current != null && !current.valid();
    }

    /** The lock generation commits carry: 0 on a single node. */
    long generation() {
        ClusterLock.Grant current = grant;
        return current == null ? 0 : current.generation();
    }

    /** Refuses a write to the store once this node can no longer be sure it holds the cluster lock. */
    void check() throws StoreFencedException {
        if (lost()) {
            throw new StoreFencedException("this node no longer holds the cluster lock of the store; it changes"
                    + " nothing until it takes the lock again");
        }
    }

    /**
     * Before a commit writes anything under a cluster lock: the tenure must
     * still be valid, and the ring on the shared disk must still end with this
     * node's own last commit ({@code sequence}), written under a generation no
     * newer than its own. A node that was frozen while another took over finds
     * the other's commits there and refuses, before a block of its stale
     * transaction can land on chunks the other node now uses.
     */
    void checkNotFenced(long sequence) throws IOException {
        long generation = generation();
        if (generation == 0) {
            return; // single node: nobody else writes this store
        }
        check();
        CommitRing.dropCache(device, superblock);
        CommitBlock newest = StoreMount.newestCommit(device, superblock);
        if (newest.sequence != sequence || newest.generation > generation) {
            throw new StoreFencedException("another node committed to this store (commit " + newest.sequence
                    + ", lock generation " + newest.generation + ") after this node's commit " + sequence
                    + " under generation " + generation + "; this node was fenced and commits nothing");
        }
    }
}
