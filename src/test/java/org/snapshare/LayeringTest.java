package org.snapshare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Holds the packages to their layers (README, "Layout"): a package may name
 * only packages of a lower rank, so no import goes up and none of them forms
 * a cycle. Packages of one rank (cluster and snapshot; stream and iscsi.scsi)
 * do not know each other.
 */
class LayeringTest {

    /** Every package of src/main and its rank: higher ranks use lower ones. */
    private static final Map<String, Integer> RANKS = Map.ofEntries(
            Map.entry("", 0), Map.entry("util", 0), Map.entry("control", 0),
            Map.entry("device", 1),
            Map.entry("store", 2),
            Map.entry("cluster", 3), Map.entry("snapshot", 3),
            Map.entry("stream", 4), Map.entry("iscsi.scsi", 4),
            Map.entry("iscsi", 5),
            Map.entry("appliance", 6),
            Map.entry("api", 7),
            Map.entry("cli", 8));

    private static final Path SOURCES = Path.of("src/main/java/org/snapshare");
    /** A reference to a type of another package, by import or written out in the code. */
    private static final Pattern REFERENCE = Pattern.compile("\\borg\\.snapshare\\.((?:[a-z]+\\.)*)[A-Z]");

    @Test
    void everyPackageNamesOnlyLowerLayers() throws IOException {
        List<String> upward = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String from = packageOf(SOURCES.relativize(file.getParent()).toString().replace('/', '.'));
                Matcher reference = REFERENCE.matcher(Files.readString(file));
                while (reference.find()) {
                    String to = packageOf(reference.group(1).replaceAll("\\.$", ""));
                    if (!to.equals(from) && RANKS.get(to) >= RANKS.get(from)) {
                        upward.add(file + " names org.snapshare." + to + " (" + from + " is rank "
                                + RANKS.get(from) + ", " + to + " rank " + RANKS.get(to) + ")");
                    }
                }
            }
        }
        assertEquals(List.of(), upward, "references that go up or sideways between layers");
    }

    @Test
    void everyPackageHasARank() throws IOException {
        TreeSet<String> packages = new TreeSet<>();
        try (Stream<Path> dirs = Files.walk(SOURCES)) {
            dirs.filter(Files::isDirectory)
                    .forEach(dir -> packages.add(SOURCES.relativize(dir).toString().replace('/', '.')));
        }
        assertTrue(packages.contains("store"), "walked the sources: " + packages);
        assertEquals(new TreeSet<>(RANKS.keySet()), packages,
                "a new package needs its place in RANKS (and in README, \"Layout\")");
    }

    private static String packageOf(String name) {
        if (!RANKS.containsKey(name)) {
            throw new AssertionError("package org.snapshare." + name + " has no rank in LayeringTest.RANKS");
        }
        return name;
    }
}
