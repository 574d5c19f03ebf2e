package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three server processes on one data directory and a three-server
 * ZooKeeper ensemble of real processes, all on 127.0.0.1 (issue 30, item 5):
 * kill -9 of the ZooKeeper leader under writes changes nothing; kill -9 of
 * the node serving the volume moves it to another within the session
 * timeout and 2 s; a node cut off from ZooKeeper while it serves the volume
 * (its connections go through relays the test cuts) is fenced — its writes
 * are refused once its session has expired — and the volume moves. Nothing
 * flushed is lost; check is clean.
 */
class ClusterEnsembleIT {

    private static final int SESSION_SECONDS = 4;
    private static final String SESSION = SESSION_SECONDS + "s";

    @TempDir
    Path dir;
    private ZooKeeperEnsemble zookeeper;
    private final CuttableLink[] linksOfC = new CuttableLink[3];
    private ServerProcess nodeA;
    private ServerProcess nodeB;
    private ServerProcess nodeC;

    @BeforeAll
    static void clients() {
        ExternalTools.require("iscsi-ls", "qemu-io");
    }

    @AfterEach
    void stop() {
        for (ServerProcess node : new ServerProcess[] {nodeA, nodeB, nodeC}) {
            if (node != null) {
                node.close();
            }
        }
        for (CuttableLink link : linksOfC) {
            if (link != null) {
                link.close();
            }
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    private static ExternalTools.Result io(String url, String... commands) throws IOException, InterruptedException {
        return ExternalTools.qemuIo(url, commands).assertSuccess("qemu-io " + String.join("; ", commands) + " " + url);
    }

    /** Seconds from {@code since} (System.nanoTime) until a 1 MiB write + flush through {@code url} succeeds. */
    private static double secondsUntilWritten(long since, String url, String at) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            ExternalTools.Result write = ExternalTools.qemuIo(url, "write -P 0x66 " + at + " 1M", "flush");
            if (write.exitCode == 0 && !write.output.contains("fail") && !write.output.contains("error")) {
                return (System.nanoTime() - since) / 1e9;
            }
            assertTrue(System.nanoTime() < deadline, "no write through " + url + " for 60 s:\n" + write.output);
            Thread.sleep(100);
        }
    }

    @Test
    void threeNodesOnAThreeServerEnsembleSurviveALostServerAKilledNodeAndACutOffNode() throws Exception {
        zookeeper = ZooKeeperEnsemble.start(dir, 3);
        for (int i = 0; i < 3; i++) {
            linksOfC[i] = new CuttableLink(zookeeper.clientPort(i));
        }
        Path data = dir.resolve("shared");
        nodeA = new ServerProcess(data, "a", zookeeper.connectString(), SESSION).start();
        nodeB = new ServerProcess(data, "b", zookeeper.connectString(), SESSION).start();
        nodeC = new ServerProcess(data, "c", zookeeper.connectString(linksOfC[0].port, linksOfC[1].port,
                linksOfC[2].port), SESSION).start();
        nodeA.cli("volume", "create", "vol1", "--size", "64M").assertSuccess("volume create on a");
        nodeB.awaitTarget("vol1");
        nodeC.awaitTarget("vol1");
        io(nodeA.url("vol1"), "write -P 0x11 0 64M", "flush");

        // 1. The ZooKeeper leader dies under writes through a: every session survives, the writes go on.
        FlushedWrites writes = FlushedWrites.start(i -> nodeA.url("vol1"));
        writes.awaitAcknowledged(4);
        int leader = zookeeper.leader();
        assertTrue(leader >= 0, "no ZooKeeper leader");
        zookeeper.kill9(leader);
        int beforeLeaderKill = writes.acknowledged().size();
        writes.awaitAcknowledged(beforeLeaderKill + 6);
        assertTrue(writes.acknowledged().size() >= beforeLeaderKill + 6, "writes through a stopped after the"
                + " ZooKeeper leader was killed: " + writes.acknowledged() + "\n" + nodeA.log());
        assertTrue(nodeA.cli("status").assertSuccess("status on a").output.contains("held by this node"),
                "a lost the volume when one ZooKeeper server died");

        // 2. kill -9 of a under writes: b takes the volume within the session timeout and 2 s.
        nodeA.kill9();
        long killedAt = System.nanoTime();
        writes.stop();
        List<Integer> acknowledged = writes.acknowledged();
        double failover = secondsUntilWritten(killedAt, nodeB.url("vol1"), "63M");
        System.out.printf("ensemble: kill -9 of the serving node to the first flushed write on another: %.1f s"
                + " (session timeout %s)%n", failover, SESSION);
        assertTrue(failover <= SESSION_SECONDS + 2, "failover after kill -9 took " + failover + " s");
        for (int i : acknowledged) {
            io(nodeC.url("vol1"), "read -P " + FlushedWrites.pattern(i) + " " + i + "M 1M");
        }

        // 3. c takes the volume, then is cut off from ZooKeeper: it is fenced, b takes the volume back.
        io(nodeC.url("vol1"), "write -P 0x55 62M 1M", "flush");
        for (CuttableLink link : linksOfC) {
            link.cut();
        }
        long cutAt = System.nanoTime();
        double moved = secondsUntilWritten(cutAt, nodeB.url("vol1"), "62M");
        System.out.printf("ensemble: a serving node cut off from ZooKeeper to the first flushed write on another:"
                + " %.1f s (session timeout %s)%n", moved, SESSION);
        assertTrue(moved <= SESSION_SECONDS + 2, "the volume took " + moved + " s to leave a cut-off node");
        ExternalTools.Result fenced = ExternalTools.qemuIo(nodeC.url("vol1"), "write -P 0x77 62M 1M", "flush");
        assertTrue(fenced.exitCode != 0 || fenced.output.contains("fail") || fenced.output.contains("error"),
                "a node cut off from ZooKeeper past its session still wrote:\n" + fenced.output);
        io(nodeB.url("vol1"), "read -P 0x66 62M 1M", "read -P 0x66 63M 1M");

        // Healed, c serves again, and sees what b wrote.
        for (CuttableLink link : linksOfC) {
            link.heal();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        ExternalTools.Result read;
        while ((read = ExternalTools.qemuIo(nodeC.url("vol1"), "read -P 0x66 62M 1M")).exitCode != 0
                || read.output.contains("fail") || read.output.contains("error") || read.output.contains("mismatch")) {
            assertTrue(System.nanoTime() < deadline, "c does not serve again after the link healed:\n" + read.output
                    + "\n" + nodeC.log());
            Thread.sleep(200);
        }
        assertEquals(143, nodeB.stop(), nodeB.log());
        assertEquals(143, nodeC.stop(), nodeC.log());
        ExternalTools.Result check = nodeB.cli("check", "vol1");
        assertEquals(0, check.exitCode, "check:\n" + check.output);
    }
}
