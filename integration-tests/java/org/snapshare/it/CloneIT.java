package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 31: `volume clone` through the CLI, checked with qemu-io. A clone
 * reads as its source snapshot at once, survives kill -9 while it copies (the
 * copy resumes), takes writes, gets a clone of its own, and both outlive the
 * deletion of their source snapshots and volumes and another kill -9; the
 * last clone checks clean.
 */
class CloneIT {

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("qemu-io");
    }

    @Test
    void aCloneOfACloneOutlivesItsSourcesAndKill9(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("volume", "create", "gold", "--size", "512M").assertSuccess("volume create");
            SnapshotIT.io(server.url("gold"), "write -P 0x11 0 256M", "write -P 0x22 300M 8M", "flush");
            server.cli("snapshot", "create", "gold", "base").assertSuccess("snapshot create");
            SnapshotIT.io(server.url("gold"), "write -P 0x33 0 64M", "flush"); // not in the clone

            String cloned = server.cli("volume", "clone", "vm1", "--from", "gold@base").assertSuccess("clone").output;
            assertTrue(cloned.contains(ServerProcess.IQN + "vm1 LUN 0"), cloned);
            server.kill9(); // most likely while it copies
            server.start();
            server.awaitTarget("vm1");
            SnapshotIT.io(server.url("vm1"), "read -P 0x11 0 256M", "read -P 0 256M 44M", "read -P 0x22 300M 8M",
                    "read -P 0 308M 204M");

            SnapshotIT.io(server.url("vm1"), "write -P 0x44 1M 1M", "flush");
            server.cli("snapshot", "create", "vm1", "t").assertSuccess("snapshot of the clone");
            SnapshotIT.io(server.url("vm1"), "write -P 0x55 0 4K", "flush"); // after t: not in vm2
            server.cli("volume", "clone", "vm2", "--from", "vm1@t").assertSuccess("clone of the clone");
            server.cli("snapshot", "delete", "gold", "base").assertSuccess("the source snapshot goes at once");
            ExternalTools.Result early = server.cli("volume", "delete", "gold");
            if (early.exitCode != 0) { // the copy still runs: refused with the way out
                assertTrue(early.output.contains("clone vm1, which is still copying") && early.output.contains(
                        "or delete volume vm1"), early.output);
            }
            awaitCopied(server, "vm1");
            awaitCopied(server, "vm2");
            if (early.exitCode != 0) {
                server.cli("volume", "delete", "gold").assertSuccess("the source volume, after the copy");
            }
            server.cli("volume", "delete", "vm1").assertSuccess("the first clone");

            server.kill9();
            server.start();
            server.awaitTarget("vm2");
            SnapshotIT.io(server.url("vm2"), "read -P 0x11 0 1M", "read -P 0x44 1M 1M", "read -P 0x11 2M 254M",
                    "read -P 0 256M 44M", "read -P 0x22 300M 8M", "read -P 0 308M 204M");
            String volumes = server.cli("volume", "list").assertSuccess("volume list").output;
            assertTrue(!volumes.contains("gold") && !volumes.contains("vm1 ") && volumes.contains("vm2"), volumes);
            assertEquals(143, server.stop());
            ExternalTools.Result check = server.cli("check", "vm2");
            assertEquals(0, check.exitCode, "check of the clone of a clone:\n" + check.output);
        }
    }

    /** Waits (at most a minute) until `volume list` no longer shows the clone copying. */
    static void awaitCopied(ServerProcess server, String volume) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            String line = server.cli("volume", "list").assertSuccess("volume list").output.lines()
                    .filter(l -> l.startsWith(volume + " ")).findFirst().orElseThrow();
            if (!line.contains("copying")) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the copy did not end in a minute: " + line);
            Thread.sleep(200);
        }
    }
}
