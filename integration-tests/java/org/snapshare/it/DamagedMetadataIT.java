package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's report, as a user met it: one bad byte in the B+-tree root of a
 * volume's store. check names the cause in a few lines; the server says so at
 * start, `status` and `volume list` show the volume damaged, and the origin
 * stays writable (its snapshot becomes invalid, never served wrong); repair
 * then leaves a clean store that takes new snapshots.
 */
class DamagedMetadataIT {

    private static ExternalTools.Result io(String url, String... commands) throws IOException, InterruptedException {
        return ExternalTools.qemuIo(url, commands);
    }

    /** Flips one byte in the tree root of the newest commit (docs/FORMAT.md: superblock, commit ring). */
    private static void damageTreeRoot(Path store) throws IOException {
        try (FileChannel file = FileChannel.open(store, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer superblock = ByteBuffer.allocate(4096);
            file.read(superblock, 0);
            int chunkSize = 1 << superblock.getInt(12);
            long newest = -1;
            long root = 0;
            for (int slot = 0; slot < 8; slot++) {
                ByteBuffer commit = ByteBuffer.allocate(4096);
                file.read(commit, 4096 + 4096L * slot);
                boolean valid = new String(commit.array(), 0, 8, StandardCharsets.US_ASCII).equals("SNAPCMIT");
                if (valid && commit.getLong(24) > newest) {
                    newest = commit.getLong(24);
                    root = commit.getLong(32);
                }
            }
            assertNotEquals(0, root, "the store has no tree to damage");
            ByteBuffer one = ByteBuffer.allocate(1);
            file.read(one, root * chunkSize + 100);
            one.put(0, (byte) (one.get(0) ^ 0x40));
            file.write(one.flip(), root * chunkSize + 100);
            file.force(true);
        }
    }

    @Test
    void aBadSectorInTheTreeRootLeavesTheOriginWritableAndSaysSo(@TempDir Path dir) throws Exception {
        ExternalTools.require("qemu-io");
        Path data = dir.resolve("data");
        try (ServerProcess server = new ServerProcess(data).start()) {
            server.cli("volume", "create", "hurt", "--size", "64M").assertSuccess("volume create");
            io(server.url("hurt"), "write -P 0x11 0 64M", "flush").assertSuccess("fill");
            server.cli("snapshot", "create", "hurt", "s1").assertSuccess("snapshot create");
            io(server.url("hurt"), "write -P 0x22 0 32M", "flush").assertSuccess("copy 32 MiB");
            server.stop();
            damageTreeRoot(data.resolve("volumes/hurt/store.img"));

            ExternalTools.Result check = server.cli("check", "hurt");
            assertEquals(1, check.exitCode, check.output);
            assertTrue(check.output.contains("checksum mismatch") && check.output.contains("unreachable")
                    && !check.output.contains("nothing refers to"), "check names the cause:\n" + check.output);
            assertTrue(check.output.strip().split("\n").length <= 10, "check takes a few lines:\n" + check.output);
            assertTrue(check.output.strip().endsWith("(exit 1)"), check.output);

            server.start();
            assertTrue(server.log().contains("has damaged metadata"), server.log());
            String status = server.cli("status").assertSuccess("status").output;
            assertTrue(status.contains("DAMAGED metadata") && status.contains("snapshare check hurt"), status);
            String volumes = server.cli("volume", "list").assertSuccess("volume list").output;
            assertTrue(volumes.matches("(?s).*hurt .* damaged\\s.*"), volumes);

            io(server.url("hurt"), "write -P 0x33 40M 8M", "flush", "read -P 0x33 40M 8M", "read -P 0x22 0 32M")
                    .assertSuccess("the origin stays writable");
            String snapshots = server.cli("snapshot", "list", "hurt").assertSuccess("snapshot list").output;
            assertTrue(snapshots.matches("(?s).*s1 .* invalid .*"), snapshots);
            ExternalTools.Result refused = io(server.url("hurt", "s1"), "read 0 64k");
            assertTrue(refused.exitCode != 0 || refused.output.contains("error") || refused.output.contains("fail"),
                    "the invalid snapshot was read:\n" + refused.output);

            server.stop();
            ExternalTools.Result repair = server.cli("repair", "hurt");
            assertEquals(0, repair.exitCode, repair.output);
            java.util.regex.Matcher freed = java.util.regex.Pattern.compile("chunks freed \\(unreachable or leaked\\):"
                    + " (\\d+)").matcher(repair.output);
            assertTrue(freed.find() && Integer.parseInt(freed.group(1)) >= 512, "the 512 copied chunks are freed:\n"
                    + repair.output);
            assertTrue(repair.output.strip().endsWith("clean (exit 0)"), repair.output);
            server.start();
            assertTrue(server.cli("status").assertSuccess("status").output.indexOf("DAMAGED") < 0,
                    "still damaged after the repair");
            io(server.url("hurt"), "read -P 0x22 0 32M", "read -P 0x33 40M 8M", "write -P 0x44 0 1M", "flush")
                    .assertSuccess("the origin after the repair");
            server.cli("snapshot", "create", "hurt", "s2").assertSuccess("a snapshot after the repair");
            io(server.url("hurt"), "write -P 0x55 0 1M", "flush").assertSuccess("copy-on-write after the repair");
            io(server.url("hurt", "s2"), "read -P 0x44 0 1M").assertSuccess("the new snapshot");
            server.stop();
            assertEquals(0, server.cli("check", "hurt").exitCode);
        }
    }
}
