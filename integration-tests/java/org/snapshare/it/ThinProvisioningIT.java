package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.snapshare.it.SnapshotIT.io;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UNMAP, WRITE SAME with UNMAP and GET LBA STATUS on an origin, through
 * QEMU's libiscsi driver (qemu-io discard and write -z -u, qemu-img map):
 * what a snapshot still shares keeps its data and costs no store space; the
 * rest becomes a hole in the origin file and is reported deallocated.
 */
class ThinProvisioningIT {

    private static final long MIB = 1 << 20;

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("qemu-io", "qemu-img", "stat");
    }

    static long allocatedBytes(Path file) throws Exception {
        ExternalTools.Result stat = ExternalTools.run(10, "stat", "--format=%b", file.toString()).assertSuccess("stat");
        return Long.parseLong(stat.output.trim()) * 512;
    }

    private static String storeUse(ServerProcess server) throws Exception {
        String status = server.cli("status").assertSuccess("status").output;
        Matcher used = Pattern.compile("volume vol0: .*exception store (\\S+ \\S+) used").matcher(status);
        assertTrue(used.find(), status);
        return used.group(1);
    }

    /** A size as `status` prints it ("12.5 MiB"), in MiB. */
    private static double mebibytes(String size) {
        String[] parts = size.split(" ");
        double value = Double.parseDouble(parts[0]);
        return switch (parts[1]) {
            case "B" -> value / MIB;
            case "KiB" -> value / 1024;
            case "MiB" -> value;
            case "GiB" -> value * 1024;
            default -> throw new AssertionError("unit of " + size);
        };
    }

    /** qemu-img map's JSON line for the extent starting at {@code start}. */
    private static String mapEntry(ServerProcess server, long start) throws Exception {
        String map = ExternalTools.run(60, "qemu-img", "map", "--output=json", "-f", "raw", server.url("vol0"))
                .assertSuccess("qemu-img map").output;
        for (String line : map.split("\n")) {
            if (line.contains("\"start\": " + start + ",")) {
                return line;
            }
        }
        throw new AssertionError("no extent starts at " + start + ":\n" + map);
    }

    /** A discard on a snapshot frees its own copies (the store's use goes down) and reads back zeros. */
    @Test
    void aDiscardOnASnapshotFreesItsOwnCopies(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            String origin = server.url("vol0");
            String snapshot = server.url("vol0", "s1");
            io(origin, "write -P 0xa1 0 16M", "flush");
            server.cli("snapshot", "create", "vol0", "s1").assertSuccess("create s1");
            io(snapshot, "write -P 0xc3 0 16M", "flush");   // 16 MiB of copies only s1 reads
            String before = storeUse(server);
            io(snapshot, "discard 0 16M", "flush");
            io(snapshot, "read -P 0 0 16M");
            io(origin, "read -P 0xa1 0 16M");
            String after = storeUse(server);
            assertTrue(mebibytes(after) <= mebibytes(before) - 16, "the store's use fell by the 16 MiB: " + before
                    + " -> " + after);
            String map = ExternalTools.run(60, "qemu-img", "map", "--output=json", "-f", "raw", snapshot)
                    .assertSuccess("qemu-img map of the snapshot").output;
            String first = map.split("\n")[0];
            assertTrue(first.contains("\"start\": 0,") && first.contains("\"data\": false"),
                    "GET LBA STATUS on the snapshot reports the discarded range deallocated:\n" + map);
        }
    }

    @Test
    void unmapKeepsWhatSnapshotsShareAndFreesTheRest(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            Path originFile = server.dataDir.resolve("volumes/vol0/origin.img");
            String origin = server.url("vol0");
            io(origin, "write -P 0xa1 0 8M", "flush");
            server.cli("snapshot", "create", "vol0", "s1").assertSuccess("create s1");
            String storeBefore = storeUse(server);
            long allocatedBefore = allocatedBytes(originFile);

            io(origin, "discard 0 8M", "flush");            // like fstrim after a snapshot
            io(server.url("vol0", "s1"), "read -P 0xa1 0 8M");
            io(origin, "read -P 0xa1 0 8M");                 // shared with s1: kept, not copied
            assertEquals(storeBefore, storeUse(server), "a discard must not copy chunks into the store");
            assertTrue(mapEntry(server, 0).contains("\"data\": true"));

            server.cli("snapshot", "delete", "vol0", "s1").assertSuccess("delete s1");
            SnapshotIT.awaitGone(server, "s1");
            io(origin, "discard 0 8M", "flush");
            io(origin, "read -P 0 0 8M");
            assertTrue(allocatedBytes(originFile) <= allocatedBefore - 8 * MIB,
                    "8 MiB punched out of the origin file: " + allocatedBefore + " -> " + allocatedBytes(originFile));
            assertTrue(mapEntry(server, 0).contains("\"data\": false"), "GET LBA STATUS reports the hole");

            io(origin, "write -P 0xb2 0 4M", "flush");
            server.cli("snapshot", "create", "vol0", "s2").assertSuccess("create s2");
            io(origin, "write -z -u 0 4M", "flush");         // WRITE SAME with UNMAP: copy first, then zero
            io(origin, "read -P 0 0 4M");
            io(server.url("vol0", "s2"), "read -P 0xb2 0 4M");

            assertEquals(143, server.stop());
            server.cli("check", "vol0").assertSuccess("check after unmaps");
        }
    }
}
