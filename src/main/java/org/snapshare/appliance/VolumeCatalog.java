package org.snapshare.appliance;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.store.SharedExceptionStore;

/**
 * The volumes of a data directory: DATA/volumes/NAME/ holds origin.img, the
 * exception store store.img and volume.properties (size, unique id,
 * creation time). The unique id is made
 * once and kept, so initiators see the same device identity after restarts.
 */
public final class VolumeCatalog {

    private static final String ORIGIN = "origin.img";
    private static final String STORE = "store.img";
    private static final String METADATA = "volume.properties";
    private static final long MIN_SIZE = 1 << 20;

    private final Path volumesDir;
    private final int chunkSize;
    private final SecureRandom random = new SecureRandom();

    /** {@code chunkSize}: the copy unit of the exception stores of new volumes. */
    public VolumeCatalog(Path dataDir, int chunkSize) {
        this.volumesDir = dataDir.resolve("volumes");
        this.chunkSize = chunkSize;
    }

    /** The exception store file of a volume. */
    public Path storePath(String name) {
        return volumesDir.resolve(name).resolve(STORE);
    }

    /**
     * Room for a full copy of the volume plus metadata (B+-tree, space map),
     * so snapshots never run the store full before the origin is rewritten
     * once; the file is sparse, so unused room costs nothing.
     */
    static long storeSize(long volumeBytes) {
        return volumeBytes + volumeBytes / 32 + (4 << 20);
    }

    /** True before the first volume directory was ever made here. */
    public boolean isNew() {
        return !Files.isDirectory(volumesDir);
    }

    public synchronized Volume create(String name, long sizeBytes) throws ConfigException, IOException {
        VolumeNames.check(name);
        if (sizeBytes < MIN_SIZE || sizeBytes % LogicalUnit.BLOCK_SIZE != 0) {
            throw new ConfigException("volume size " + sizeBytes + " bytes: it must be at least 1M and a multiple of "
                    + LogicalUnit.BLOCK_SIZE + " bytes");
        }
        Path dir = volumesDir.resolve(name);
        if (Files.exists(dir)) {
            throw new ConfigException("volume " + name + " already exists");
        }
        Files.createDirectories(dir);
        Instant created = Instant.now();
        long uniqueId = random.nextLong();
        try (FileBlockDevice store = FileBlockDevice.createSparse(dir.resolve(STORE), storeSize(sizeBytes))) {
            SharedExceptionStore.format(store, chunkSize, sizeBytes);
        }
        FileBlockDevice origin = FileBlockDevice.createSparse(dir.resolve(ORIGIN), sizeBytes);
        Properties metadata = new Properties();
        metadata.setProperty("size", Long.toString(sizeBytes));
        metadata.setProperty("unique-id", Long.toHexString(uniqueId));
        metadata.setProperty("created", created.toString());
        writeAtomically(dir.resolve(METADATA), metadata);
        return new Volume(name, uniqueId, created, origin);
    }

    /** Opens every volume, in name order. */
    public synchronized List<Volume> openAll() throws IOException {
        List<Volume> volumes = new ArrayList<>();
        if (isNew()) {
            return volumes;
        }
        try (Stream<Path> dirs = Files.list(volumesDir)) {
            for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve(METADATA)))
                    .sorted(Comparator.naturalOrder()).toList()) {
                volumes.add(open(dir));
            }
        }
        return volumes;
    }

    /** Removes a volume's files; the caller has closed it. */
    public synchronized void delete(String name) throws IOException {
        Path dir = volumesDir.resolve(name);
        // Metadata first: a crash mid-delete leaves no half-volume that would be opened.
        Files.deleteIfExists(dir.resolve(METADATA));
        Files.deleteIfExists(dir.resolve(ORIGIN));
        Files.deleteIfExists(dir.resolve(STORE));
        Files.deleteIfExists(dir);
    }

    private Volume open(Path dir) throws IOException {
        Properties metadata = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(METADATA), StandardCharsets.UTF_8)) {
            metadata.load(in);
        }
        try {
            long uniqueId = Long.parseUnsignedLong(metadata.getProperty("unique-id"), 16);
            Instant created = Instant.parse(metadata.getProperty("created"));
            return new Volume(dir.getFileName().toString(), uniqueId, created,
                    FileBlockDevice.open(dir.resolve(ORIGIN)));
        } catch (RuntimeException e) {
            throw new IOException(dir.resolve(METADATA) + " is damaged (" + e + "); restore it or remove the volume",
                    e);
        }
    }

    private static void writeAtomically(Path file, Properties values) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            values.store(out, "snapshare volume");
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself must survive a crash
        }
    }
}
