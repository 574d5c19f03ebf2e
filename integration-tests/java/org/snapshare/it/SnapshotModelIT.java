package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A randomized model test through iSCSI: writes to the origin and to
 * snapshots with qemu-io, snapshot creates, deletes and rollbacks through the
 * CLI, server restarts; each LUN read back whole with qemu-img convert and
 * compared with an in-memory model. The seed is in the failure message.
 */
class SnapshotModelIT {

    private static final int SIZE = 16 << 20;
    private static final int OPERATIONS = 150;

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("qemu-io", "qemu-img");
    }

    @Test
    void everyLunMatchesTheModel(@TempDir Path dir) throws Exception {
        // -Dsnapshare.it.seed=N replays a failed run.
        ServerProcess.runSeeded(dir.resolve("data"), "model test through iSCSI", (server, random) -> run(server, dir,
                random));
    }

    private void run(ServerProcess server, Path dir, Random random) throws Exception {
        server.cli("volume", "create", "m", "--size", "16M", "--store-size", "256M").assertSuccess("volume create");
        byte[] origin = new byte[SIZE];
        Map<String, byte[]> snapshots = new LinkedHashMap<>();
        int created = 0;
        for (int op = 0; op < OPERATIONS; op++) {
            int dice = random.nextInt(100);
            List<String> names = new ArrayList<>(snapshots.keySet());
            if (dice < 10 && names.size() < 5) {
                String name = "s" + created++;
                server.cli("snapshot", "create", "m", name).assertSuccess("create " + name);
                snapshots.put(name, origin.clone());
            } else if (dice < 16 && !names.isEmpty()) {
                String name = names.get(random.nextInt(names.size()));
                server.cli("snapshot", "delete", "m", name).assertSuccess("delete " + name);
                snapshots.remove(name);
            } else if (dice < 20 && !names.isEmpty()) {
                String name = names.get(random.nextInt(names.size()));
                server.cli("snapshot", "rollback", "m", name).assertSuccess("rollback to " + name);
                origin = snapshots.get(name).clone();
            } else if (dice < 24) {
                assertEquals(143, server.stop());
                server.start();
            } else if (dice < 80) {
                String lun = names.isEmpty() || random.nextInt(3) == 0 ? null : names.get(random.nextInt(names.size()));
                int length = 4096 * (1 + random.nextInt(128));
                int offset = 4096 * random.nextInt((SIZE - length) / 4096 + 1);
                int pattern = 1 + random.nextInt(255);
                SnapshotIT.io(url(server, lun), "write -P " + pattern + " " + offset + " " + length);
                Arrays.fill(lun == null ? origin : snapshots.get(lun), offset, offset + length, (byte) pattern);
            } else {
                String lun = names.isEmpty() || random.nextBoolean() ? null : names.get(random.nextInt(names.size()));
                compare(server, dir, lun, lun == null ? origin : snapshots.get(lun), "after op " + op);
            }
        }
        compare(server, dir, null, origin, "at the end");
        for (Map.Entry<String, byte[]> snapshot : snapshots.entrySet()) {
            compare(server, dir, snapshot.getKey(), snapshot.getValue(), "at the end");
        }
        assertEquals(143, server.stop());
        ExternalTools.Result check = server.cli("check", "m");
        assertEquals(0, check.exitCode, "check at the end:\n" + check.output);
    }

    private static String url(ServerProcess server, String snapshot) {
        return snapshot == null ? server.url("m") : server.url("m", snapshot);
    }

    private static void compare(ServerProcess server, Path dir, String lun, byte[] expected, String when)
            throws Exception {
        Path copy = dir.resolve("lun.raw");
        Files.deleteIfExists(copy);
        ExternalTools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", url(server, lun), copy.toString())
                .assertSuccess("qemu-img convert");
        byte[] actual = Files.readAllBytes(copy);
        if (!Arrays.equals(expected, actual)) {
            int at = Arrays.mismatch(expected, actual);
            fail((lun == null ? "origin" : "snapshot " + lun) + " differs from the model " + when + " at byte " + at
                    + (at < Math.min(expected.length, actual.length) ? ": expected " + expected[at] + ", read "
                            + actual[at] : ": lengths " + expected.length + " and " + actual.length));
        }
    }
}
