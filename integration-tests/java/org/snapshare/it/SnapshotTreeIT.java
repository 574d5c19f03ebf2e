package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 31: a tree of 100 snapshots up to 8 levels deep, taken with
 * `snapshot create --from` through the CLI and written at every node with
 * qemu-io, reads back exactly against a byte model after kill -9 and a
 * restart, again after deletes in the middle of the tree and resets of
 * snapshots to their parents, and checks clean.
 */
class SnapshotTreeIT {

    private static final int SIZE = 4 << 20;
    private static final int SNAPSHOTS = 100;
    private static final int DEPTH = 8;

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("qemu-io", "qemu-img");
    }

    @Test
    void aTreeOfAHundredSnapshotsReadsBackExactlyAfterKill9(@TempDir Path dir) throws Exception {
        ServerProcess.runSeeded(dir.resolve("data"), "snapshot tree test", (server, random) -> run(server, dir, random));
    }

    private void run(ServerProcess server, Path dir, Random random) throws Exception {
        server.cli("volume", "create", "t", "--size", "4M", "--store-size", "1G").assertSuccess("volume create");
        Map<String, byte[]> luns = new LinkedHashMap<>(); // null: the origin
        Map<String, Integer> depth = new HashMap<>();
        Map<String, String> parents = new HashMap<>();
        Set<String> replaced = new HashSet<>(); // deleted or reset: their snapshots read what the model lost
        luns.put(null, new byte[SIZE]);
        depth.put(null, 0);
        write(server, luns, null, random);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < SNAPSHOTS; i++) {
            String parent = pickParent(names, depth, random);
            String name = "s" + i;
            List<String> command = new ArrayList<>(List.of("snapshot", "create", "t", name));
            if (parent != null) {
                command.addAll(List.of("--from", parent));
            }
            server.cli(command.toArray(new String[0])).assertSuccess("create " + name + " of " + parent);
            luns.put(name, luns.get(parent).clone());
            depth.put(name, depth.get(parent) + 1);
            parents.put(name, parent);
            names.add(name);
            if (i % 10 == 0) {
                write(server, luns, null, random); // origin writes between the snapshots: copies of many ranges
            }
        }
        assertEquals(DEPTH, Collections.max(depth.values()), "the tree reaches 8 levels");
        String listed = server.cli("snapshot", "list", "t", "--json").assertSuccess("snapshot list --json").output;
        JsonNode rows = new ObjectMapper().readTree(listed.lines().filter(l -> l.startsWith("[")).findFirst()
                .orElseThrow(() -> new AssertionError("no JSON in:\n" + listed)));
        assertEquals(SNAPSHOTS, rows.size());
        for (JsonNode row : rows) {
            String parent = parents.get(row.get("name").asText());
            assertEquals(parent, row.get("parent").isNull() ? null : row.get("parent").asText(), row.toString());
        }
        List<String> every = new ArrayList<>(luns.keySet());
        Collections.shuffle(every, random);
        for (String lun : every) {
            write(server, luns, lun, random); // every node written, parents after and before their children
        }
        server.kill9();
        server.start();
        compareAll(server, dir, luns, "after kill -9");

        for (int i = 0; i < 10; i++) { // deletes in the middle: the descendants keep reading through them
            String victim = names.remove(random.nextInt(names.size()));
            server.cli("snapshot", "delete", "t", victim).assertSuccess("delete " + victim);
            luns.remove(victim);
            replaced.add(victim);
        }
        for (int i = 0; i < 5; i++) { // resets: each starts again as its parent is now; its snapshots keep theirs
            String name = names.get(random.nextInt(names.size()));
            String parent = parents.get(name);
            if (parent == null || !replaced.contains(parent)) {
                server.cli("snapshot", "reset", "t", name).assertSuccess("reset " + name);
                luns.put(name, luns.get(parent).clone());
                replaced.add(name);
            }
        }
        for (int i = 0; i < 20; i++) {
            List<String> left = new ArrayList<>(luns.keySet());
            write(server, luns, left.get(random.nextInt(left.size())), random);
        }
        server.kill9();
        server.start();
        compareAll(server, dir, luns, "after deletes and kill -9");
        assertEquals(143, server.stop());
        ExternalTools.Result check = server.cli("check", "t");
        assertEquals(0, check.exitCode, "check at the end:\n" + check.output);
    }

    /** Half the time the newest snapshot not yet 8 deep (chains), else any such one or the origin. */
    private static String pickParent(List<String> names, Map<String, Integer> depth, Random random) {
        List<String> open = new ArrayList<>();
        open.add(null);
        names.stream().filter(n -> depth.get(n) < DEPTH).forEach(open::add);
        return random.nextBoolean() ? open.get(open.size() - 1) : open.get(random.nextInt(open.size()));
    }

    /** A random run of 4 KiB blocks of one pattern, written and flushed through qemu-io. */
    private static void write(ServerProcess server, Map<String, byte[]> luns, String lun, Random random)
            throws Exception {
        int length = 4096 * (1 + random.nextInt(64));
        int offset = 4096 * random.nextInt((SIZE - length) / 4096 + 1);
        int pattern = 1 + random.nextInt(255);
        SnapshotIT.io(url(server, lun), "write -P " + pattern + " " + offset + " " + length, "flush");
        Arrays.fill(luns.get(lun), offset, offset + length, (byte) pattern);
    }

    private static void compareAll(ServerProcess server, Path dir, Map<String, byte[]> luns, String when)
            throws Exception {
        for (Map.Entry<String, byte[]> lun : luns.entrySet()) {
            server.awaitTarget(lun.getKey() == null ? "t" : "t." + lun.getKey());
            Path copy = dir.resolve("lun.raw");
            Files.deleteIfExists(copy);
            ExternalTools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", url(server, lun.getKey()),
                    copy.toString()).assertSuccess("qemu-img convert");
            byte[] actual = Files.readAllBytes(copy);
            int at = Arrays.mismatch(lun.getValue(), actual);
            if (at >= 0) {
                fail((lun.getKey() == null ? "origin" : "snapshot " + lun.getKey()) + " differs from the model "
                        + when + " at byte " + at);
            }
        }
        assertTrue(luns.size() > 1, "snapshots compared");
    }

    private static String url(ServerProcess server, String snapshot) {
        return snapshot == null ? server.url("t") : server.url("t", snapshot);
    }
}
