package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The lock that lets one process at a time own a data directory (server or
 * offline check). In a cluster the data directory is shared and each node
 * holds a lock of its own (snapshare-NODE.lock); the offline check takes all
 * of them, so it runs only while no node serves.
 */
final class DataDirLock implements Closeable {

    private static final String FILE = "snapshare.lock";

    private final List<FileChannel> channels;

    private DataDirLock(List<FileChannel> channels) {
        this.channels = channels;
    }

    /** Takes this server's lock, creating the directory (mode 0700) if needed; fails at once if it is held. */
    static DataDirLock acquire(Path dataDir, Optional<String> clusterNode, String holderHint)
            throws IOException, ConfigException {
        if (!Files.isDirectory(dataDir)) {
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        }
        String name = clusterNode.map(node -> "snapshare-" + node + ".lock").orElse(FILE);
        return lockAll(dataDir, List.of(dataDir.resolve(name)), holderHint);
    }

    /** Takes the single-node lock and every cluster node's lock found in the directory. */
    static DataDirLock acquireExclusive(Path dataDir, String holderHint) throws IOException, ConfigException {
        List<Path> files = new ArrayList<>(List.of(dataDir.resolve(FILE)));
        try (DirectoryStream<Path> nodes = Files.newDirectoryStream(dataDir, "snapshare-*.lock")) {
            nodes.forEach(files::add);
        }
        return lockAll(dataDir, files, holderHint);
    }

    private static DataDirLock lockAll(Path dataDir, List<Path> files, String holderHint)
            throws IOException, ConfigException {
        List<FileChannel> held = new ArrayList<>();
        try {
            for (Path file : files) {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                held.add(channel);
                if (channel.tryLock() == null) {
                    throw new ConfigException("another snapshare process already uses data dir " + dataDir
                            + " (it holds " + file + "); " + holderHint);
                }
            }
            return new DataDirLock(held);
        } catch (IOException | ConfigException | RuntimeException e) {
            for (FileChannel channel : held) {
                channel.close();
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        for (FileChannel channel : channels) {
            channel.close();
        }
    }
}
