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
 * volume's store. With two copies of every metadata block (format 3) that
 * costs nothing: the copy serves and the bad one is rewritten; an online
 * scrub mends a bad copy and names rot in copied data. When both copies of
 * the root are bad, check names the cause in a few lines; the server says so
 * at start, `status` and `volume list` show the volume damaged, and the
 * origin stays writable (its snapshot becomes invalid, never served wrong);
 * repair then leaves a clean store that takes new snapshots.
 */
class DamagedMetadataIT {

    private static ExternalTools.Result io(String url, String... commands) throws IOException, InterruptedException {
        return ExternalTools.qemuIo(url, commands);
    }

    /** The store's chunk size, and the tree root of its newest commit and the root's copy (docs/FORMAT.md). */
    private record TreeRoot(int chunkSize, long primary, long mirror, long chunkCount) {
    }

    private static TreeRoot treeRoot(Path store) throws IOException {
        try (FileChannel file = FileChannel.open(store, StandardOpenOption.READ)) {
            ByteBuffer superblock = ByteBuffer.allocate(4096);
            file.read(superblock, 0);
            int version = superblock.getInt(8);
            assertTrue(version >= 3 && version <= 7, "format version " + version + ": the layout read here is that"
                    + " of 3 to 7 (6 changed only the snapshot table, 7 the node size: the bytes flipped below lie"
                    + " in a node's first page)");
            long newest = -1;
            long root = 0;
            long mirror = 0;
            for (int slot = 0; slot < 8; slot++) {
                ByteBuffer commit = ByteBuffer.allocate(4096);
                file.read(commit, 4096 + 4096L * slot);
                boolean valid = new String(commit.array(), 0, 8, StandardCharsets.US_ASCII).equals("SNAPCMIT");
                if (valid && commit.getLong(24) > newest) {
                    newest = commit.getLong(24);
                    root = commit.getLong(32);
                    mirror = commit.getLong(104);
                }
            }
            assertNotEquals(0, root, "the store has no tree to damage");
            return new TreeRoot(1 << superblock.getInt(12), root, mirror, superblock.getLong(16));
        }
    }

    /** Flips one byte of a chunk, as a bad sector would (through the page cache a running server reads from). */
    private static void flip(Path store, int chunkSize, long chunk, int offset) throws IOException {
        try (FileChannel file = FileChannel.open(store, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            file.read(one, chunk * chunkSize + offset);
            one.put(0, (byte) (one.get(0) ^ 0x40));
            file.write(one.flip(), chunk * chunkSize + offset);
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
            Path store = data.resolve("volumes/hurt/store.img");
            server.stop();

            // One bad sector in the tree root: its copy serves, and the bad one is written again.
            TreeRoot root = treeRoot(store);
            flip(store, root.chunkSize(), root.primary(), 100);
            server.start();
            io(server.url("hurt", "s1"), "read -P 0x11 0 64M").assertSuccess("s1 through the root's copy");
            String healed = server.cli("status").assertSuccess("status").output;
            assertTrue(healed.contains("metadata copies healed from their twin: 1") && !healed.contains("DAMAGED"),
                    healed);

            // Online: a bad copy of the root and rot in one copied chunk; scrub mends the first, names the second.
            root = treeRoot(store);
            flip(store, root.chunkSize(), root.mirror(), 200);
            flip(store, root.chunkSize(), root.chunkCount() - 1, 7); // data copies fill the store from its end
            ExternalTools.Result scrub = server.cli("scrub", "hurt", "--rate", "1G");
            assertEquals(1, scrub.exitCode, scrub.output);
            assertTrue(scrub.output.contains("512 copied chunks read") && scrub.output.contains("1 metadata copies"
                    + " healed") && scrub.output.contains("1 damaged beyond healing")
                    && scrub.output.contains("fails its checksum"), scrub.output);
            ExternalTools.Result rotten = io(server.url("hurt", "s1"), "read -P 0x11 0 32M");
            assertTrue(rotten.exitCode != 0 || rotten.output.contains("error") || rotten.output.contains("fail"),
                    "the rotten chunk was served:\n" + rotten.output);
            io(server.url("hurt", "s1"), "read -P 0x11 32M 32M").assertSuccess("the rest of s1");
            assertEquals(1, server.cli("scrub", "hurt", "--rate", "1G").exitCode, "the rot stays found");
            server.stop();
            ExternalTools.Result checked = server.cli("check", "hurt");
            assertEquals(0, checked.exitCode, "scrub left the metadata whole:\n" + checked.output);

            // Both copies of the root damaged: what no copy can heal.
            root = treeRoot(store);
            flip(store, root.chunkSize(), root.primary(), 100);
            flip(store, root.chunkSize(), root.mirror(), 100);

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
