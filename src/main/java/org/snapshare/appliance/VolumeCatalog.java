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
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreFullPolicy;

/**
 * The volumes of a data directory: DATA/volumes/NAME/ holds origin.img, the
 * exception store store.img and volume.properties (size, unique id,
 * creation time). The unique id is made
 * once and kept, so initiators see the same device identity after restarts.
 */
public final class VolumeCatalog {

    static final String ORIGIN = "origin.img";
    static final String STORE = "store.img";
    static final String METADATA = "volume.properties";
    private static final long MIN_SIZE = 1 << 20;
    private static final long MIN_STORE_SIZE = 4 << 20;
    static final String ROLLBACK_JOURNAL = "rollback.journal";

    private final Path volumesDir;
    private final int chunkSize;
    private final StoreFullPolicy fullPolicy;
    private final SecureRandom random = new SecureRandom();

    /** {@code chunkSize}: the copy unit of the exception stores of new volumes. */
    public VolumeCatalog(Path dataDir, int chunkSize) {
        this(dataDir, chunkSize, StoreFullPolicy.INVALIDATE_SNAPSHOTS);
    }

    public VolumeCatalog(Path dataDir, int chunkSize, StoreFullPolicy fullPolicy) {
        this.volumesDir = dataDir.resolve("volumes");
        this.chunkSize = chunkSize;
        this.fullPolicy = fullPolicy;
    }

    /** The directory of a volume's files. */
    public Path volumeDir(String name) {
        return volumesDir.resolve(name);
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

    public Volume create(String name, long sizeBytes) throws ConfigException, IOException {
        return create(name, sizeBytes, storeSize(sizeBytes));
    }

    /** {@code storeBytes}: the exception store's size, room for copied chunks of all snapshots plus metadata. */
    public synchronized Volume create(String name, long sizeBytes, long storeBytes)
            throws ConfigException, IOException {
        VolumeNames.check(name);
        if (sizeBytes < MIN_SIZE || sizeBytes % LogicalUnit.BLOCK_SIZE != 0) {
            throw new ConfigException("volume size " + sizeBytes + " bytes: it must be at least 1M and a multiple of "
                    + LogicalUnit.BLOCK_SIZE + " bytes");
        }
        if (storeBytes < MIN_STORE_SIZE) {
            throw new ConfigException("store size " + storeBytes + " bytes: it must be at least 4M");
        }
        Path dir = volumesDir.resolve(name);
        if (Files.exists(dir)) {
            throw new ConfigException("volume " + name + " already exists");
        }
        Files.createDirectories(dir);
        Instant created = Instant.now();
        long uniqueId = random.nextLong();
        try (FileBlockDevice store = FileBlockDevice.createSparse(dir.resolve(STORE), storeBytes)) {
            SharedExceptionStore.format(store, chunkSize, sizeBytes);
        }
        FileBlockDevice.createSparse(dir.resolve(ORIGIN), sizeBytes).close();
        Properties metadata = new Properties();
        metadata.setProperty("size", Long.toString(sizeBytes));
        metadata.setProperty("unique-id", Long.toHexString(uniqueId));
        metadata.setProperty("created", created.toString());
        writeAtomically(dir.resolve(METADATA), metadata);
        return new Volume(name, uniqueId, created, openCore(dir, uniqueId));
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
        Files.deleteIfExists(dir.resolve(ROLLBACK_JOURNAL));
        Files.deleteIfExists(dir);
    }

    private Volume open(Path dir) throws IOException {
        Properties metadata = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(METADATA), StandardCharsets.UTF_8)) {
            metadata.load(in);
        }
        long uniqueId;
        Instant created;
        try {
            uniqueId = Long.parseUnsignedLong(metadata.getProperty("unique-id"), 16);
            created = Instant.parse(metadata.getProperty("created"));
        } catch (RuntimeException e) {
            throw new IOException(dir.resolve(METADATA) + " is damaged (" + e + "); restore it or remove the volume",
                    e);
        }
        return new Volume(dir.getFileName().toString(), uniqueId, created, openCore(dir, uniqueId));
    }

    /** Mounts the store and wires it to the origin; closes both devices if that fails. */
    private SnapshotCore openCore(Path dir, long uniqueId) throws IOException {
        String name = dir.getFileName().toString();
        FileBlockDevice origin = FileBlockDevice.open(dir.resolve(ORIGIN));
        FileBlockDevice storeDevice = null;
        try {
            storeDevice = FileBlockDevice.open(dir.resolve(STORE));
            SharedExceptionStore store;
            try {
                store = SharedExceptionStore.open(storeDevice, SharedExceptionStore.DEFAULT_CACHE_BYTES, fullPolicy);
            } catch (IOException e) {
                throw new IOException("volume " + name + ": its exception store cannot be mounted (" + e.getMessage()
                        + "); run `snapshare check " + name + "`", e);
            }
            return new SnapshotCore(name, uniqueId, origin, store, dir.resolve(ROLLBACK_JOURNAL));
        } catch (IOException | RuntimeException e) {
            origin.close();
            if (storeDevice != null) {
                storeDevice.close();
            }
            throw e;
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
