package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's report, as a new user meets it: a volume on the default store,
 * snapshots taken while the whole disk changes between them. The store grows
 * instead of running full, so no snapshot is invalidated, and every LUN still
 * reads what it should after a kill -9 of the server. A capped store warns at
 * 80% and 90% of its cap, then follows the store-full policy and says which
 * snapshots it invalidated.
 */
class StoreGrowthIT {

    private static final int ROUNDS = 6;

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("qemu-io");
    }

    private static String pattern(int round) {
        return String.format("0x%02x", 0x20 + round);
    }

    @Test
    void snapshotsDivergingBySixTimesTheStoreNeverRunItFull(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (ServerProcess server = new ServerProcess(data).start()) {
            server.cli("volume", "create", "grow", "--size", "16M").assertSuccess("volume create");
            long initial = Files.size(data.resolve("volumes/grow/store.img"));
            for (int round = 0; round < ROUNDS; round++) { // each snapshot keeps its own 16 MiB: 96 MiB in all
                ExternalTools.qemuIo(server.url("grow"), "write -P " + pattern(round) + " 0 16M", "flush")
                        .assertSuccess("round " + round);
                server.cli("snapshot", "create", "grow", "s" + round).assertSuccess("snapshot " + round);
            }
            ExternalTools.qemuIo(server.url("grow"), "write -P 0x7f 0 16M", "flush").assertSuccess("last overwrite");
            ExternalTools.qemuIo(server.url("grow", "s2"), "write -P 0x6e 4M 1M", "flush").assertSuccess("s2 write");
            verify(server);
            long grown = Files.size(data.resolve("volumes/grow/store.img"));
            assertTrue(grown > 5 * initial, "the store file grew from " + initial + " to " + grown + " bytes");
            String status = server.cli("status").assertSuccess("status").output;
            assertTrue(status.contains("grows up to") && !status.contains("WARNING"), status);

            server.kill9();
            server.start();
            verify(server);
            server.stop();
            ExternalTools.Result check = server.cli("check", "grow");
            assertEquals(0, check.exitCode, check.output);
        }
    }

    private static void verify(ServerProcess server) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            if (round == 2) { // it took a write of its own
                ExternalTools.qemuIo(server.url("grow", "s2"), "read -P " + pattern(2) + " 0 4M",
                        "read -P 0x6e 4M 1M", "read -P " + pattern(2) + " 5M 11M").assertSuccess("s2");
            } else {
                ExternalTools.qemuIo(server.url("grow", "s" + round), "read -P " + pattern(round) + " 0 16M")
                        .assertSuccess("s" + round);
            }
        }
        ExternalTools.qemuIo(server.url("grow"), "read -P 0x7f 0 16M").assertSuccess("origin");
        String snapshots = server.cli("snapshot", "list", "grow").assertSuccess("snapshot list").output;
        assertTrue(!snapshots.contains("invalid"), snapshots);
    }

    @Test
    void aStoreDeviceExtendedByItsOwnToolsIsAdoptedOnline(@TempDir Path dir) throws Exception {
        Path origin = dir.resolve("origin.dev");
        Path store = dir.resolve("store.dev");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(origin.toFile(), "rw")) {
            file.setLength(16 << 20);
        }
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(store.toFile(), "rw")) {
            file.setLength(8 << 20);
        }
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("volume", "create", "raw", "--origin-device", origin.toString(), "--store-device",
                    store.toString()).assertSuccess("volume create");
            ExternalTools.Result refused = server.cli("volume", "grow-store", "raw");
            assertTrue(refused.exitCode == 1 && refused.output.contains("extend the device first"), refused.output);
            try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(store.toFile(), "rw")) {
                file.setLength(40 << 20); // what lvextend does to a logical volume
            }
            String grown = server.cli("volume", "grow-store", "raw").assertSuccess("grow-store").output;
            assertTrue(grown.contains("grew by 32.0 MiB to 40.0 MiB"), grown);
            server.cli("snapshot", "create", "raw", "s").assertSuccess("snapshot");
            ExternalTools.qemuIo(server.url("raw"), "write -P 0x31 0 16M", "flush").assertSuccess("copy 16 MiB");
            server.cli("snapshot", "create", "raw", "t").assertSuccess("snapshot");
            ExternalTools.qemuIo(server.url("raw"), "write -P 0x32 0 16M", "flush")
                    .assertSuccess("another 16 MiB: more than the store had before");
            ExternalTools.qemuIo(server.url("raw", "t"), "read -P 0x31 0 16M").assertSuccess("t");
            String snapshots = server.cli("snapshot", "list", "raw").assertSuccess("snapshot list").output;
            assertTrue(!snapshots.contains("invalid"), snapshots);
        }
    }

    @Test
    void aCappedStoreWarnsTwiceThenFollowsTheStoreFullPolicy(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("volume", "create", "cap", "--size", "16M", "--store-max-size", "40M")
                    .assertSuccess("volume create");
            for (int round = 0; round < 2; round++) { // 32 MiB of copies: over 80% of 40 MiB
                server.cli("snapshot", "create", "cap", "s" + round).assertSuccess("snapshot " + round);
                ExternalTools.qemuIo(server.url("cap"), "write -P " + pattern(round) + " 0 16M", "flush")
                        .assertSuccess("round " + round);
            }
            String volumes = server.cli("volume", "list").assertSuccess("volume list").output;
            Matcher percent = Pattern.compile("cap .* (\\d+)% store over (\\d+)%").matcher(volumes);
            assertTrue(percent.find() && Integer.parseInt(percent.group(1)) >= 80, volumes);
            assertTrue(server.cli("status").output.contains("WARNING: exception store"), "status warns");
            assertTrue(server.log().contains("% full: "), server.log());

            server.cli("snapshot", "create", "cap", "s2").assertSuccess("snapshot 2");
            ExternalTools.qemuIo(server.url("cap"), "write -P 0x55 0 16M", "flush")
                    .assertSuccess("the origin stays writable when the store is full");
            String log = server.log();
            assertEquals(2, log.split("% full: ", -1).length - 1, "a warning at each threshold:\n" + log);
            assertTrue(log.contains("snapshots [s2] are now invalid"), log);
            String snapshots = server.cli("snapshot", "list", "cap").assertSuccess("snapshot list").output;
            assertTrue(snapshots.matches("(?s).*s2 .* invalid .*") && snapshots.matches("(?s).*s0 .* live .*"),
                    snapshots);
            ExternalTools.qemuIo(server.url("cap", "s0"), "read -P 0x00 0 16M").assertSuccess("s0 kept its data");
        }
    }
}
