package org.snapshare.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snapshare.store.ClusterLock;
import org.snapshare.store.Remedy;

/** The ZooKeeper cluster lock against a real ZooKeeper server (curator-test's TestingServer) on 127.0.0.1. */
public class ZooKeeperLockTest {

    public static final Duration SESSION = Duration.ofSeconds(4);
    private static final Duration SHORT = Duration.ofMillis(300);

    private TestingServer zookeeper;
    private ZooKeeperCluster nodeA;
    private ZooKeeperCluster nodeB;

    @BeforeEach
    void start() throws Exception {
        zookeeper = new TestingServer(true);
        nodeA = connect("a");
        nodeB = connect("b");
    }

    private ZooKeeperCluster connect(String name) throws IOException {
        return ZooKeeperCluster.connect(zookeeper.getConnectString(), name, SESSION, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws IOException {
        nodeA.close();
        nodeB.close();
        zookeeper.close();
    }

    @Test
    void oneNodeAtATimeAndTheAnswerSaysWhetherAnotherHeldItMeanwhile() throws Exception {
        ZooKeeperLock a = nodeA.lockFor("vol0");
        ZooKeeperLock b = nodeB.lockFor("vol0");
        ClusterLock.Grant first = a.take(SHORT).orElseThrow();
        assertTrue(first.othersHeldSince(), "a node's first tenure cannot know what happened before it");
        assertEquals(Optional.empty(), b.take(SHORT), "b took a lock that a holds");
        assertEquals(Optional.of("a"), nodeB.lastHolder("vol0"));
        a.release();

        ClusterLock.Grant again = a.take(SHORT).orElseThrow();
        assertFalse(again.othersHeldSince(), "nobody took the lock between a's two tenures");
        assertTrue(again.generation() > first.generation());
        a.release();

        ClusterLock.Grant byB = b.take(SHORT).orElseThrow();
        assertTrue(byB.generation() > again.generation());
        b.release();
        ClusterLock.Grant back = a.take(SHORT).orElseThrow();
        assertTrue(back.othersHeldSince(), "b held the lock since a released it");
        assertTrue(back.generation() > byB.generation());
        a.release();
    }

    @Test
    void locksOfTwoVolumesAreIndependent() throws Exception {
        ZooKeeperLock a = nodeA.lockFor("vol0");
        ZooKeeperLock b = nodeB.lockFor("vol1");
        assertTrue(a.take(SHORT).isPresent());
        assertTrue(b.take(SHORT).isPresent());
        a.release();
        b.release();
    }

    @Test
    void theHolderSeesAnotherNodeWaitingAndTheWaiterGetsItOnRelease() throws Exception {
        ZooKeeperLock a = nodeA.lockFor("vol0");
        ZooKeeperLock b = nodeB.lockFor("vol0");
        a.take(SHORT).orElseThrow();
        assertFalse(a.contended());
        CompletableFuture<Optional<ClusterLock.Grant>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return b.take(Duration.ofSeconds(20));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(eventually(a::contended), "a never saw b waiting");
        assertFalse(waiting.isDone());
        a.release();
        ClusterLock.Grant granted = waiting.get(20, TimeUnit.SECONDS).orElseThrow();
        assertTrue(granted.othersHeldSince());
        assertFalse(b.contended());
        b.release();
    }

    @Test
    void aLostSessionInvalidatesTheGrantAtOnceAndFreesTheLockForTheOtherNode() throws Exception {
        ZooKeeperLock a = nodeA.lockFor("vol0");
        ZooKeeperLock b = nodeB.lockFor("vol0");
        ClusterLock.Grant held = a.take(SHORT).orElseThrow();
        assertTrue(held.valid());
        KillSession.kill(nodeA.client().getZookeeperClient().getZooKeeper());
        assertTrue(eventually(() -> !held.valid()), "the grant stayed valid after its session was killed");
        ClusterLock.Grant taken = b.take(Duration.ofSeconds(20)).orElseThrow();
        assertTrue(taken.generation() > held.generation());
        assertTrue(taken.valid());
        a.release(); // the stale holder's release is harmless
        assertTrue(taken.valid());
        b.release();
        ClusterLock.Grant afterwards = a.take(Duration.ofSeconds(20)).orElseThrow();
        assertTrue(afterwards.othersHeldSince());
        assertTrue(afterwards.valid());
        a.release();
    }

    @Test
    void takingTwiceWithoutReleaseIsABug() throws Exception {
        ZooKeeperLock a = nodeA.lockFor("vol0");
        a.take(SHORT).orElseThrow();
        assertThrows(IllegalStateException.class, () -> a.take(SHORT));
        a.release();
    }

    @Test
    void anUnreachableEnsembleIsAClearError() {
        IOException error = assertThrows(IOException.class, () -> ZooKeeperCluster.connect("127.0.0.1:1", "a",
                SESSION, Duration.ofSeconds(1)));
        assertTrue(error.getMessage().contains(Remedy.CHECK_ZOOKEEPER.advice()), error.getMessage());
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} for up to 20 s. */
    static boolean eventually(Condition condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (condition.holds()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.holds();
    }
}
