package org.snapshare.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.snapshare.device.DurableFiles;

/**
 * Held snapshots of one volume (`snapshot hold`, as `zfs hold`): nobody
 * deletes them, neither a user nor a schedule's pruning, until they are
 * released. One name a line in the volume's {@code holds} file, read at
 * every look so that every node of a cluster sees the same holds.
 */
final class SnapshotHolds {

    static final String FILE = "holds";

    private final Path file;

    SnapshotHolds(Path volumeDir) {
        this.file = volumeDir.resolve(FILE);
    }

    Set<String> held() throws IOException {
        Set<String> held = new TreeSet<>();
        try {
            Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(line -> !line.isEmpty()).forEach(held::add);
        } catch (NoSuchFileException e) {
            // nothing held
        }
        return held;
    }

    boolean isHeld(String snapshot) throws IOException {
        return held().contains(snapshot);
    }

    void hold(String snapshot) throws IOException {
        Set<String> held = held();
        if (held.add(snapshot)) {
            save(held);
        }
    }

    /** False if it was not held. */
    boolean release(String snapshot) throws IOException {
        Set<String> held = held();
        boolean was = held.remove(snapshot);
        if (was) {
            save(held);
        }
        return was;
    }

    private void save(Set<String> held) throws IOException {
        if (held.isEmpty()) {
            DurableFiles.remove(file);
        } else {
            DurableFiles.replace(file, (String.join("\n", held) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
