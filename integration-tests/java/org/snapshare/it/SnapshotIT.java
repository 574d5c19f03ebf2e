package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots of a volume served as their own targets, driven through real clients (iscsi-ls, qemu-io). */
class SnapshotIT {

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("iscsi-ls", "qemu-io", "qemu-img");
    }

    static void io(String url, String... commands) throws Exception {
        ExternalTools.Result result = ExternalTools.qemuIo(url, commands);
        if (result.exitCode != 0 || result.output.contains("failed") || result.output.contains("error")) {
            fail("qemu-io " + String.join("; ", commands) + " on " + url + ":\n" + result.output);
        }
    }

    @Test
    void snapshotsAreServedAsTargetsAndKeepTheirPointInTime(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            String origin = server.url("vol0");
            io(origin, "write -P 0xa1 0 4M", "flush");
            ExternalTools.Result created = server.cli("snapshot", "create", "vol0", "s1").assertSuccess("create");
            assertTrue(created.output.contains(ServerProcess.IQN + "vol0.s1"), created.output);
            ExternalTools.Result ls = ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("iscsi-ls");
            assertTrue(ls.output.contains("Target:" + ServerProcess.IQN + "vol0.s1 "), ls.output);

            io(origin, "write -P 0xb2 1M 1M", "write -P 0xb3 2000k 3k");   // copy-on-write, partial chunks
            io(server.url("vol0", "s1"), "write -P 0xc3 3M 64k");          // a write to the snapshot
            server.cli("snapshot", "create", "vol0", "s2").assertSuccess("create s2");
            io(origin, "write -P 0xd4 0 4M");                              // one copy per chunk for s1 and s2

            verifyState(server);
            ExternalTools.Result list = server.cli("snapshot", "list", "vol0").assertSuccess("list");
            assertTrue(list.output.matches("(?s).*s1 .* live .*s2 .* live .*"), list.output);

            assertEquals(143, server.stop());
            ExternalTools.Result check = server.cli("check", "vol0").assertSuccess("check after a clean stop");
            assertTrue(check.output.contains("snapshots: 2 live"), check.output);
            server.start();
            verifyState(server);

            server.cli("snapshot", "delete", "vol0", "s1").assertSuccess("delete s1");
            ls = ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("iscsi-ls");
            assertFalse(ls.output.contains("vol0.s1 "), ls.output);
            awaitGone(server, "s1");
            io(server.url("vol0", "s2"), "read -P 0xa1 0 1M", "read -P 0xb2 1M 976k");

            ExternalTools.Result rolled = server.cli("snapshot", "rollback", "vol0", "s2").assertSuccess("rollback");
            assertTrue(rolled.output.contains("rollback finished"), rolled.output);
            io(origin, "read -P 0xa1 0 1M", "read -P 0xb2 1M 976k", "read -P 0xb3 2000k 3k",
                    "read -P 0xb2 2003k 45k", "read -P 0xa1 2M 2M");
            io(server.url("vol0", "s2"), "read -P 0xa1 0 1M", "read -P 0xb2 1M 976k");

            ExternalTools.Result status = server.cli("status").assertSuccess("status");
            assertTrue(status.output.contains("volume vol0: 1 snapshot(s), exception store"), status.output);
            assertEquals(143, server.stop());
            server.cli("check", "vol0").assertSuccess("check after delete and rollback");
        }
    }

    private static void verifyState(ServerProcess server) throws Exception {
        io(server.url("vol0"), "read -P 0xd4 0 4M");
        io(server.url("vol0", "s1"), "read -P 0xa1 0 3M", "read -P 0xc3 3M 64k", "read -P 0xa1 3136k 960k");
        io(server.url("vol0", "s2"), "read -P 0xa1 0 1M", "read -P 0xb2 1M 976k", "read -P 0xb3 2000k 3k",
                "read -P 0xb2 2003k 45k", "read -P 0xa1 2M 2M");
    }

    static void awaitGone(ServerProcess server, String snapshot) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            ExternalTools.Result list = server.cli("snapshot", "list", "vol0").assertSuccess("list");
            if (!list.output.contains("\n" + snapshot + " ")) {
                return;
            }
            Thread.sleep(200);
        }
        fail("snapshot " + snapshot + " still listed 60 s after its delete");
    }

    @Test
    void mistakesAboutSnapshotsGetOneClearLine(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("snapshot", "create", "vol0", "s1").assertSuccess("create");
            expectError(server.cli("snapshot", "create", "vol0", "s1"), "already has a snapshot named s1");
            expectError(server.cli("snapshot", "create", "nope", "s1"), "no volume named nope");
            expectError(server.cli("snapshot", "delete", "vol0", "s9"), "has no snapshot named s9");
            expectError(server.cli("snapshot", "rollback", "vol0", "s9"), "has no snapshot named s9");
            ExternalTools.Result badName = server.cli("snapshot", "create", "vol0", "Bad.Name");
            assertEquals(2, badName.exitCode, badName.output);
        }
    }

    /**
     * Many outstanding commands per session, completed out of order: qemu-img
     * convert with 16 parallel requests and out-of-order writes copies random
     * images onto the origin around a snapshot; both read back byte for byte.
     */
    @Test
    void parallelOutOfOrderCopiesReadBackExactly(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first.raw");
        Path second = dir.resolve("second.raw");
        java.util.Random random = new java.util.Random(7);
        byte[] image = new byte[48 << 20];
        random.nextBytes(image);
        Files.write(first, image);
        random.nextBytes(image);
        Files.write(second, image);
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("volume", "create", "par", "--size", "48M").assertSuccess("create");
            copy(first.toString(), server.url("par"));
            server.cli("snapshot", "create", "par", "then").assertSuccess("snapshot");
            copy(second.toString(), server.url("par"));
            Path origin = dir.resolve("origin.raw");
            Path snapshot = dir.resolve("snapshot.raw");
            copy(server.url("par"), origin.toString());
            copy(server.url("par", "then"), snapshot.toString());
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(second), Files.readAllBytes(origin)),
                    "the origin holds the second image");
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(first), Files.readAllBytes(snapshot)),
                    "the snapshot holds the first image");
        }
    }

    private static void copy(String from, String to) throws Exception {
        List<String> command = new ArrayList<>(List.of("qemu-img", "convert", "-f", "raw", "-O", "raw", "-m", "16",
                "-W"));
        if (to.startsWith("iscsi:")) {
            command.add("-n"); // the LUN exists: do not try to create it
        }
        command.addAll(List.of(from, to));
        ExternalTools.run(120, command.toArray(new String[0])).assertSuccess("qemu-img convert " + from + " " + to);
    }

    /** Origin and store on raw devices outside the data dir (files stand in for block devices here). */
    @Test
    void aVolumeOnRawDevicesKeepsItsOriginContentAndServesSnapshots(@TempDir Path dir) throws Exception {
        Path originDevice = dir.resolve("disk-a");
        Path storeDevice = dir.resolve("disk-b");
        try (RandomAccessFile origin = new RandomAccessFile(originDevice.toFile(), "rw");
                RandomAccessFile store = new RandomAccessFile(storeDevice.toFile(), "rw")) {
            origin.setLength(32 << 20);
            origin.write(new byte[] {0x5a, 0x5a, 0x5a, 0x5a}); // existing data stays
            store.setLength(40 << 20);
        }
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("volume", "create", "raw", "--origin-device", originDevice.toString(), "--store-device",
                    storeDevice.toString()).assertSuccess("create on devices");
            expectError(server.cli("volume", "create", "again", "--origin-device", storeDevice.toString()),
                    "is already used by volume raw");
            expectError(server.cli("volume", "create", "clash", "--size", "8M", "--origin-device",
                    originDevice.toString()), "exclude each other");
            io(server.url("raw"), "read -P 0x5a 0 4", "write -P 0x61 1M 1M");
            server.cli("snapshot", "create", "raw", "snap").assertSuccess("snapshot");
            io(server.url("raw"), "write -P 0x62 1M 1M");
            assertEquals(143, server.stop());
            server.cli("check", "raw").assertSuccess("check a volume on devices");
            server.start();
            io(server.url("raw"), "read -P 0x62 1M 1M");
            io(server.url("raw", "snap"), "read -P 0x5a 0 4", "read -P 0x61 1M 1M");
            server.cli("volume", "delete", "raw").assertSuccess("delete");
        }
        assertEquals(32 << 20, Files.size(originDevice), "volume delete leaves the devices alone");
        assertEquals(0x62, Files.readAllBytes(originDevice)[1 << 20]);
    }

    /** Default store-full policy: the origin write succeeds, the snapshot that lost its copies turns invalid. */
    @Test
    void aFullStoreInvalidatesTheSnapshotNotTheOriginWrite(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("volume", "create", "tiny", "--size", "8M", "--store-size", "4M", "--store-max-size", "4M")
                    .assertSuccess("create"); // a store that may not grow
            io(server.url("tiny"), "write -P 0x31 0 8M");
            server.cli("snapshot", "create", "tiny", "old").assertSuccess("snapshot");
            io(server.url("tiny"), "write -P 0x32 0 8M", "read -P 0x32 0 8M");
            ExternalTools.Result list = server.cli("snapshot", "list", "tiny").assertSuccess("list");
            assertTrue(list.output.matches("(?s).*old .* invalid .*"), list.output);
            ExternalTools.Result read = ExternalTools.qemuIo(server.url("tiny", "old"), "read 0 64k");
            assertTrue(read.output.contains("Input/output error"), read.output);
            assertTrue(server.log().contains("snapshot old is invalid"), server.log());
        }
    }

    /** Snapshots served write-protected by the config: reads work, writes fail, rollback still works. */
    @Test
    void readOnlySnapshotsRefuseWritesAndStillRollBack(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("ro.conf");
        Files.writeString(config, "snapshots-read-only = yes\nread-only.vol0.scratch = no\n");
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start("--config", config.toString())) {
            io(server.url("vol0"), "write -P 0x41 0 1M", "flush");
            server.cli("snapshot", "create", "vol0", "backup").assertSuccess("create backup");
            server.cli("snapshot", "create", "vol0", "scratch").assertSuccess("create scratch");
            String backup = server.url("vol0", "backup");
            // QEMU reads the WP bit of MODE SENSE and will not even open the LUN for writing.
            ExternalTools.Result write = ExternalTools.qemuIo(backup, "write -P 0x42 0 64k");
            assertTrue(write.output.contains("LUN is write protected"), write.output);
            ExternalTools.Result read = ExternalTools.run(120, "qemu-io", "-r", "-f", "raw", "-c", "read -P 0x41 0 1M",
                    backup).assertSuccess("read-only open of the read-only snapshot");
            assertTrue(read.output.contains("read 1048576/1048576 bytes") && !read.output.contains("fail"),
                    read.output);
            io(server.url("vol0", "scratch"), "write -P 0x43 0 64k", "read -P 0x43 0 64k");

            io(server.url("vol0"), "write -P 0x44 0 1M", "flush");
            server.cli("snapshot", "rollback", "vol0", "backup").assertSuccess("rollback from a read-only snapshot");
            io(server.url("vol0"), "read -P 0x41 0 1M");
        }
    }

    private static void expectError(ExternalTools.Result result, String message) {
        assertEquals(1, result.exitCode, result.output);
        assertTrue(result.output.contains(message), result.output);
    }

    /**
     * kill -9 of the server while a client writes with flushes: after a restart
     * the volume checks clean, every write whose flush was acknowledged is on
     * its LUN (the origin or a snapshot), and the snapshot taken before still
     * reads its old data.
     */
    @Test
    void killDashNineLosesNothingFlushed(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            String origin = server.url("vol0");
            io(origin, "write -P 0x11 0 64M", "flush");
            server.cli("snapshot", "create", "vol0", "before").assertSuccess("create");
            server.cli("snapshot", "create", "vol0", "side").assertSuccess("create");
            String side = server.url("vol0", "side");
            // Even writes to the origin, odd ones to the snapshot "side".
            FlushedWrites writes = FlushedWrites.start(i -> i % 2 == 0 ? origin : side);
            writes.awaitAcknowledged(5);
            server.kill9();
            writes.stop();
            List<Integer> acknowledged = writes.acknowledged();
            assertTrue(acknowledged.size() >= 5, "writes acknowledged before the kill: " + acknowledged);

            ExternalTools.Result check = server.cli("check", "vol0");
            assertEquals(0, check.exitCode, "check after kill -9:\n" + check.output);
            server.start();
            for (int i : acknowledged) {
                io(i % 2 == 0 ? origin : side, "read -P " + FlushedWrites.pattern(i) + " " + i + "M 1M");
            }
            io(server.url("vol0", "before"), "read -P 0x11 0 64M");
        }
    }
}
