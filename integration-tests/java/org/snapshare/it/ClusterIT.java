package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server processes on one data directory, each with its own portal on
 * 127.0.0.1, and a real ZooKeeper (curator-test's server, in this JVM):
 * data written through one node reads back through the other, volumes and
 * snapshots made on one are served by both, a killed or frozen lock holder
 * loses nothing flushed and overwrites nothing.
 */
class ClusterIT {

    /** Short, so failover is quick to test; production defaults to 6 s. */
    private static final String SESSION = "3s";

    @TempDir
    Path dir;
    private TestingServer zookeeper;
    private ServerProcess nodeA;
    private ServerProcess nodeB;

    @BeforeAll
    static void clients() {
        ExternalTools.require("iscsi-ls", "qemu-io");
    }

    @BeforeEach
    void start() throws Exception {
        // tickTime 500 ms: ZooKeeper then grants session timeouts from 1 s to 10 s
        zookeeper = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 500, -1), true);
        Path data = dir.resolve("shared");
        nodeA = new ServerProcess(data, "a", zookeeper.getConnectString(), SESSION).start();
        nodeB = new ServerProcess(data, "b", zookeeper.getConnectString(), SESSION).start();
        nodeA.cli("volume", "create", "vol1", "--size", "64M").assertSuccess("volume create on a");
        nodeB.awaitTarget("vol1");
    }

    @AfterEach
    void stop() throws IOException {
        nodeA.close();
        nodeB.close();
        zookeeper.close();
    }

    private static ExternalTools.Result io(String url, String... commands) throws IOException, InterruptedException {
        return ExternalTools.qemuIo(url, commands).assertSuccess("qemu-io " + String.join("; ", commands) + " " + url);
    }

    private void stopBothAndCheck() throws Exception {
        assertEquals(143, nodeA.stop(), nodeA.log()); // 128 + SIGTERM, after a clean shutdown
        assertEquals(143, nodeB.stop(), nodeB.log());
        ExternalTools.Result check = nodeA.cli("check", "vol1");
        assertEquals(0, check.exitCode, "check:\n" + check.output);
    }

    @Test
    void bothNodesServeTheSameDataVolumesAndSnapshots() throws Exception {
        io(nodeA.url("vol1"), "write -P 0x5a 0 4M", "flush");
        io(nodeB.url("vol1"), "read -P 0x5a 0 4M");
        io(nodeB.url("vol1"), "write -P 0x6b 1M 1M", "flush");
        io(nodeA.url("vol1"), "read -P 0x5a 0 1M", "read -P 0x6b 1M 1M", "read -P 0x5a 2M 2M");

        nodeB.cli("snapshot", "create", "vol1", "s1").assertSuccess("snapshot create on b");
        nodeA.awaitTarget("vol1.s1");
        io(nodeA.url("vol1"), "write -P 0x7c 0 4M", "flush");
        io(nodeA.url("vol1", "s1"), "read -P 0x5a 0 1M", "read -P 0x6b 1M 1M");
        io(nodeB.url("vol1", "s1"), "read -P 0x5a 0 1M", "read -P 0x6b 1M 1M");
        io(nodeB.url("vol1"), "read -P 0x7c 0 4M");

        String status = nodeA.cli("status").assertSuccess("status").output;
        assertTrue(status.contains("node a at 127.0.0.1:" + nodeA.port) && status.contains("node b at 127.0.0.1:"
                + nodeB.port), status);
        assertTrue(status.contains("cluster lock: held by"), status);

        nodeA.cli("snapshot", "delete", "vol1", "s1").assertSuccess("snapshot delete on a");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ExternalTools.run(30, "iscsi-ls", nodeB.portalUrl()).output.contains("vol1.s1 ")) {
            assertTrue(System.nanoTime() < deadline, "b still serves the deleted snapshot");
            Thread.sleep(200);
        }
        nodeB.cli("volume", "create", "vol2", "--size", "8M").assertSuccess("volume create on b");
        nodeA.awaitTarget("vol2");
        stopBothAndCheck();
    }

    /**
     * libiscsi's reservation and multipath tests with their two initiators
     * (or paths) on different nodes: a reservation taken through one node
     * binds the initiator on the other, a RESERVE ends with its nexus and a
     * reset through one node reaches the other's nexuses as unit attentions.
     */
    @Test
    void reservationsAndUnitAttentionsHoldAcrossNodes() throws Exception {
        ExternalTools.require("iscsi-test-cu");
        for (String suite : new String[] {"ALL.Prout*", "ALL.Prin*", "ALL.Reserve6*", "ALL.MultipathIO*"}) {
            ExternalTools.Result run = ExternalTools.run(600, "iscsi-test-cu", "-d", "-n", "-t", suite,
                    nodeA.url("vol1"), nodeB.url("vol1"));
            Matcher tests = Pattern.compile("tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)").matcher(run.output);
            assertTrue(tests.find(), "no run summary:\n" + run.output);
            System.out.println("iscsi-test-cu " + suite + " across two nodes: " + tests.group(0).replaceAll("\\s+", " "));
            assertTrue(Integer.parseInt(tests.group(2)) > 0, "no test ran:\n" + run.output);
            assertEquals(0, Integer.parseInt(tests.group(4)), "failures:\n" + run.output);
        }
        stopBothAndCheck();
    }

    /**
     * A resize on one node is served by the other within seconds (its sync
     * adopts the recorded size under the lock); a store grown by copies on
     * one node is used, and grown further, by the other.
     */
    @Test
    void aResizeAndStoreGrowthOnOneNodeAreSeenByTheOther() throws Exception {
        io(nodeA.url("vol1"), "write -P 0x11 0 64M", "flush");
        nodeA.cli("volume", "resize", "vol1", "--size", "96M").assertSuccess("volume resize on a");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        ExternalTools.Result write;
        while ((write = ExternalTools.qemuIo(nodeB.url("vol1"), "write -P 0x22 80M 16M", "flush")).exitCode != 0
                || write.output.contains("fail") || write.output.contains("error")) {
            assertTrue(System.nanoTime() < deadline, "b does not serve the resized volume:\n" + write.output
                    + "\n" + nodeB.log());
            Thread.sleep(250);
        }
        io(nodeA.url("vol1"), "read -P 0x11 0 64M", "read -P 0 64M 16M", "read -P 0x22 80M 16M");

        long storeBefore = java.nio.file.Files.size(dir.resolve("shared/volumes/vol1/store.img"));
        nodeA.cli("snapshot", "create", "vol1", "s1").assertSuccess("snapshot s1");
        io(nodeA.url("vol1"), "write -P 0x33 0 96M", "flush"); // copies all of s1's data
        nodeB.awaitTarget("vol1.s1");
        nodeB.cli("snapshot", "create", "vol1", "s2").assertSuccess("snapshot s2");
        io(nodeB.url("vol1"), "write -P 0x44 0 96M", "flush"); // copies s2's: the store grows again, on b
        long storeAfter = java.nio.file.Files.size(dir.resolve("shared/volumes/vol1/store.img"));
        assertTrue(storeAfter > storeBefore + (96L << 20), "the store grew from " + storeBefore + " to "
                + storeAfter + " bytes");
        nodeA.awaitTarget("vol1.s2");
        io(nodeA.url("vol1", "s1"), "read -P 0x11 0 64M", "read -P 0 64M 16M", "read -P 0x22 80M 16M");
        io(nodeA.url("vol1", "s2"), "read -P 0x33 0 96M");
        io(nodeA.url("vol1"), "write -P 0x55 0 1M", "flush");
        io(nodeB.url("vol1"), "read -P 0x55 0 1M", "read -P 0x44 1M 95M");
        stopBothAndCheck();
    }

    /**
     * A snapshot of a snapshot taken through one node is served by the other;
     * a reset through one node is served by the other as the new point in
     * time under the same name (its sync compares unit ids, not only names).
     */
    @Test
    void aSnapshotOfASnapshotAndAResetOnOneNodeAreServedByTheOther() throws Exception {
        io(nodeA.url("vol1"), "write -P 0x11 0 4M", "flush");
        nodeA.cli("snapshot", "create", "vol1", "p").assertSuccess("snapshot p on a");
        nodeB.awaitTarget("vol1.p");
        nodeB.cli("snapshot", "create", "vol1", "c", "--from", "p").assertSuccess("snapshot c of p on b");
        nodeA.awaitTarget("vol1.c");
        io(nodeB.url("vol1", "p"), "write -P 0x22 0 1M", "flush");
        io(nodeA.url("vol1", "c"), "read -P 0x11 0 4M");
        io(nodeA.url("vol1", "p"), "read -P 0x22 0 1M", "read -P 0x11 1M 3M");
        nodeA.cli("snapshot", "reset", "vol1", "c").assertSuccess("reset c on a");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        ExternalTools.Result read;
        while ((read = ExternalTools.qemuIo(nodeB.url("vol1", "c"), "read -P 0x22 0 1M")).exitCode != 0
                || read.output.contains("fail") || read.output.contains("error")) { // "Pattern verification failed"
            assertTrue(System.nanoTime() < deadline, "b does not serve the reset snapshot:\n" + read.output
                    + "\n" + nodeB.log());
            Thread.sleep(250);
        }
        io(nodeB.url("vol1", "c"), "read -P 0x11 1M 3M");
        stopBothAndCheck();
    }

    /**
     * Streams import through either node, one import of a volume at a time
     * across the cluster: while b receives a full stream, a refuses to import
     * into the same volume; then an incremental stream goes in through a.
     */
    @Test
    void streamsImportThroughEitherNodeOneAtATime() throws Exception {
        io(nodeA.url("vol1"), "write -P 0x11 0 8M", "flush");
        nodeA.cli("snapshot", "create", "vol1", "s1").assertSuccess("snapshot s1");
        io(nodeA.url("vol1"), "write -P 0x22 2M 2M", "flush");
        nodeA.cli("snapshot", "create", "vol1", "s2").assertSuccess("snapshot s2");
        Path full = dir.resolve("s1.stream");
        Path incremental = dir.resolve("s2.stream");
        nodeA.cli("snapshot", "export", "vol1", "s1", "--output", full.toString()).assertSuccess("export s1");
        nodeA.cli("snapshot", "export", "vol1", "s2", "--since", "s1", "--output", incremental.toString())
                .assertSuccess("export s2");

        Path pipe = dir.resolve("slow.stream");
        ExternalTools.run(10, "mkfifo", pipe.toString()).assertSuccess("mkfifo");
        Process slow = new ProcessBuilder(nodeB.cliCommand("snapshot", "import", "copy", "--input", pipe.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("slow-import.log").toFile()).start();
        byte[] stream = java.nio.file.Files.readAllBytes(full);
        try (java.io.OutputStream feed = java.nio.file.Files.newOutputStream(pipe)) {
            int half = stream.length / 2; // b claims the import, receives this and waits for the rest
            feed.write(stream, 0, half);
            feed.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!nodeB.cli("status").output.contains("import of snapshot s1")) {
                assertTrue(System.nanoTime() < deadline, "b never started receiving:\n" + nodeB.log());
                Thread.sleep(100);
            }
            ExternalTools.Result refused = nodeA.cli("snapshot", "import", "copy", "--input", full.toString());
            assertTrue(refused.exitCode != 0 && refused.output.contains("on another node"),
                    "a imported into a volume b was importing into:\n" + refused.output);
            feed.write(stream, half, stream.length - half);
        }
        assertTrue(slow.waitFor(60, TimeUnit.SECONDS), "b's import did not end");
        assertEquals(0, slow.exitValue(), java.nio.file.Files.readString(dir.resolve("slow-import.log")));

        nodeA.awaitTarget("copy");
        nodeA.cli("snapshot", "import", "copy", "--input", incremental.toString()).assertSuccess("import s2 on a");
        nodeB.awaitTarget("copy.s2");
        io(nodeB.url("copy", "s1"), "read -P 0x11 0 8M");
        io(nodeB.url("copy", "s2"), "read -P 0x11 0 2M", "read -P 0x22 2M 2M", "read -P 0x11 4M 4M");
        io(nodeA.url("copy"), "read -P 0x22 2M 2M");
        stopBothAndCheck();
    }

    /**
     * A scrub started on the node without the volume's lock waits for it
     * (it does not pull the lock over), and runs to the end once I/O through
     * that node brings the lock there.
     */
    @Test
    void aScrubRunsOnTheNodeAskedWhileThatNodeHoldsTheLock() throws Exception {
        io(nodeA.url("vol1"), "write -P 0x11 0 16M", "flush");
        nodeA.cli("snapshot", "create", "vol1", "s1").assertSuccess("snapshot s1");
        io(nodeA.url("vol1"), "write -P 0x22 0 16M", "flush"); // copies into the store; a holds the lock
        nodeB.cli("scrub", "vol1", "--no-wait").assertSuccess("scrub on b");
        String waiting = nodeB.cli("scrub", "vol1", "--status").assertSuccess("scrub status").output;
        assertTrue(waiting.contains("waiting for this node to hold"), waiting);

        io(nodeB.url("vol1"), "read -P 0x22 0 16M"); // b takes the lock, and keeps it while nobody else asks
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String status;
        while (!(status = nodeB.cli("scrub", "vol1", "--status").assertSuccess("scrub status").output)
                .contains("scrub finished")) {
            assertTrue(System.nanoTime() < deadline, "the scrub on b did not finish:\n" + status);
            Thread.sleep(200);
        }
        assertTrue(status.contains("nothing damaged") && !status.contains(" 0 copied chunks"), status);
        io(nodeA.url("vol1", "s1"), "read -P 0x11 0 16M");
        stopBothAndCheck();
    }

    /** A volume with a session through the other node is not deleted unless forced. */
    @Test
    void volumeDeleteCountsTheSessionsOfEveryNode() throws Exception {
        // qemu-io without commands logs in and waits on its standard input: a session held open through b.
        Process held = new ProcessBuilder("qemu-io", "-f", "raw", nodeB.url("vol1")).redirectErrorStream(true)
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (originSessions(nodeB) < 1) {
                assertTrue(System.nanoTime() < deadline, "qemu-io never logged in through b");
                Thread.sleep(100);
            }
            Thread.sleep(2500); // b publishes its session counts once a second
            ExternalTools.Result refused = nodeA.cli("volume", "delete", "vol1");
            assertTrue(refused.exitCode != 0 && refused.output.contains("b=1"),
                    "a deleted a volume with a session through b, or did not name it:\n" + refused.output);
        } finally {
            held.getOutputStream().close(); // qemu-io quits: the session ends
            held.waitFor(30, TimeUnit.SECONDS);
            held.destroyForcibly();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        ExternalTools.Result deleted;
        while ((deleted = nodeA.cli("volume", "delete", "vol1")).exitCode != 0) {
            assertTrue(System.nanoTime() < deadline, "still refused after the session ended:\n" + deleted.output);
            Thread.sleep(250);
        }
        assertTrue(!nodeB.cli("volume", "list").assertSuccess("volume list on b").output.contains("vol1")
                || waitUntilGone(nodeB), "b still lists the deleted volume");
    }

    /** The SESSIONS column of vol1 in the node's `volume list`. */
    private static int originSessions(ServerProcess node) throws Exception {
        for (String line : node.cli("volume", "list").assertSuccess("volume list").output.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            for (int i = 1; columns[0].equals("vol1") && i < columns.length; i++) {
                if (columns[i].startsWith("iqn.")) { // SESSIONS comes just before TARGET
                    return Integer.parseInt(columns[i - 1]);
                }
            }
        }
        return 0;
    }

    private static boolean waitUntilGone(ServerProcess node) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (node.cli("volume", "list").assertSuccess("volume list").output.contains("vol1")) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }

    @Test
    void killingTheLockHolderUnderWritesLosesNothingFlushedAndTheOtherNodeTakesOverInSeconds() throws Exception {
        String viaA = nodeA.url("vol1");
        io(viaA, "write -P 0x11 0 64M", "flush");
        nodeA.cli("snapshot", "create", "vol1", "before").assertSuccess("snapshot create");
        FlushedWrites writes = FlushedWrites.start(i -> viaA);
        writes.awaitAcknowledged(6);
        nodeA.kill9();
        long killedAt = System.nanoTime();
        writes.stop();
        List<Integer> acknowledged = writes.acknowledged();
        assertTrue(acknowledged.size() >= 6, "writes acknowledged before the kill: " + acknowledged);

        io(nodeB.url("vol1"), "write -P 0x99 63M 1M", "flush");
        double failoverSeconds = (System.nanoTime() - killedAt) / 1e9;
        System.out.printf("failover: kill -9 of the lock holder to the first write completed on the other node:"
                + " %.1f s (session timeout %s)%n", failoverSeconds, SESSION);
        assertTrue(failoverSeconds < 10, "failover took " + failoverSeconds + " s");
        for (int i : acknowledged) {
            io(nodeB.url("vol1"), "read -P " + FlushedWrites.pattern(i) + " " + i + "M 1M");
        }
        io(nodeB.url("vol1", "before"), "read -P 0x11 0 64M");
        assertEquals(143, nodeB.stop(), nodeB.log());
        ExternalTools.Result check = nodeB.cli("check", "vol1");
        assertEquals(0, check.exitCode, "check after kill -9:\n" + check.output);
    }

    @Test
    void linuxMultipathKeepsExt4WritableWhenTheActiveNodeIsKilled() throws Exception {
        ExternalTools.require("qemu-system-x86_64");
        ServerProcess killed;
        try (Guest guest = Guest.start("multipath", "multipath", "port=" + nodeA.port + " port2=" + nodeB.port
                + " target=" + ServerProcess.IQN + "vol1", List.of())) {
            guest.await("WRITING", 600);
            killed = nodeA.cli("status").assertSuccess("status").output.contains("held by this node") ? nodeA
                    : nodeB;
            killed.kill9();
            guest.send("node-killed");
            ServerProcess survivor = killed == nodeA ? nodeB : nodeA;
            try {
                guest.await("PASS", 600);
            } catch (AssertionError e) { // rare on a loaded 2-core machine: keep what the survivor saw
                throw new AssertionError(e.getMessage() + "\nthe surviving node's log, last lines:\n"
                        + lastLines(survivor.log(), 300), e);
            }
            System.out.println("multipath scenario: " + guest.awaitExit(120) + " s of guest time");
        }
        ServerProcess survivor = killed == nodeA ? nodeB : nodeA;
        assertEquals(143, survivor.stop(), survivor.log());
        ExternalTools.Result check = survivor.cli("check", "vol1");
        assertEquals(0, check.exitCode, "check after the failover:\n" + check.output);
    }

    @Test
    void aFrozenLockHolderWakingAfterItsSessionExpiredOverwritesNothing() throws Exception {
        io(nodeA.url("vol1"), "write -P 0x21 0 8M", "flush");
        nodeA.cli("snapshot", "create", "vol1", "frozen").assertSuccess("snapshot create");
        io(nodeA.url("vol1"), "write -P 0x22 0 4M", "flush"); // copies into the store: a holds the lock
        nodeA.signal("STOP");
        try {
            io(nodeB.url("vol1"), "write -P 0x33 0 8M", "flush"); // waits out a's session, then takes over
            io(nodeB.url("vol1", "frozen"), "read -P 0x21 0 8M");
        } finally {
            nodeA.signal("CONT");
        }
        Thread.sleep(2000); // a wakes up believing it held the lock
        String log = nodeA.log();
        assertTrue(log.contains("was lost") || log.contains("connection lost") || log.contains("connection suspended"),
                "a never noticed it lost the lock:\n" + log);
        io(nodeB.url("vol1"), "read -P 0x33 0 8M");
        io(nodeA.url("vol1"), "read -P 0x33 0 8M", "write -P 0x44 4M 4M", "flush"); // a takes it back properly
        io(nodeB.url("vol1"), "read -P 0x33 0 4M", "read -P 0x44 4M 4M");
        io(nodeB.url("vol1", "frozen"), "read -P 0x21 0 8M");
        stopBothAndCheck();
    }

    private static String lastLines(String text, int count) {
        String[] lines = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - count), lines.length));
    }
}
