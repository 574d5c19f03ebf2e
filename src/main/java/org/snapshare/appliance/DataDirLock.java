package org.snapshare.appliance;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** The lock that lets one process at a time own a data directory (server or offline check). */
final class DataDirLock implements Closeable {

    private final FileChannel channel;

    private DataDirLock(FileChannel channel) {
        this.channel = channel;
    }

    /** Takes the lock, creating the directory (mode 0700) if needed; fails at once if it is held. */
    static DataDirLock acquire(Path dataDir, String holderHint) throws IOException, ConfigException {
        if (!Files.isDirectory(dataDir)) {
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        }
        Path lockPath = dataDir.resolve("snapshare.lock");
        FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (channel.tryLock() == null) {
            channel.close();
            throw new ConfigException("another snapshare process already uses data dir " + dataDir + " (it holds "
                    + lockPath + "); " + holderHint);
        }
        return new DataDirLock(channel);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
