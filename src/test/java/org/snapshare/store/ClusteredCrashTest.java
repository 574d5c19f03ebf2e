package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.cluster.ZooKeeperLockTest;

/**
 * The crash trials ({@link CrashTrials}) in a cluster: node a commits under its ZooKeeper lock and
 * loses power at a crash point (its unflushed writes kept, dropped or torn at random, as a disk
 * cache may); node b takes the lock (a newer generation) and must mount a store that checks clean
 * and holds a committed state. A real ZooKeeper (Curator's TestingServer), two sessions.
 */
class ClusteredCrashTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void theOtherNodeTakesOverACommittedStateAfterAPowerCut() throws Exception {
        try (TestingServer zookeeper = new TestingServer(true);
                ZooKeeperCluster a = connect(zookeeper, "a");
                ZooKeeperCluster b = connect(zookeeper, "b")) {
            CrashTrials trials = new CrashTrials(5, 2 << 20, 3, 42, a.lockFor("vol0"), b.lockFor("vol0"));
            int checked = 0;
            int torn = 0;
            for (int cut = 0; cut <= trials.writes(); cut++) {
                for (CrashTrials.Outcome outcome : trials.trials(cut, cut * 31L, 2)) {
                    assertNull(outcome.failure(), "cut after write " + cut);
                    torn += outcome.torn() ? 1 : 0;
                    checked++;
                }
            }
            assertTrue(checked > 50, "only " + checked + " crash points were checked");
            assertTrue(torn > 0, "no power cut kept a commit block and lost some of its blocks");
        }
    }

    private static ZooKeeperCluster connect(TestingServer zookeeper, String name) throws IOException {
        return ZooKeeperCluster.connect(zookeeper.getConnectString(), name, ZooKeeperLockTest.SESSION, WAIT);
    }
}
