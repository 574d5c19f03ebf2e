package org.snapshare.appliance;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.snapshare.device.DurableFiles;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.snapshot.CloneFill;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.snapshot.WriteBackBudget;
import org.snapshare.store.ClusterLock;
import org.snapshare.store.DamagedMetadataPolicy;
import org.snapshare.store.NodeCacheBudget;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.SingleNodeLock;
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
    /** volume.properties: the cap of this volume's store file, in bytes. */
    static final String STORE_MAX_SIZE = "store-max-size";
    static final String METADATA = "volume.properties";
    private static final long MIN_SIZE = 1 << 20;
    private static final long MIN_STORE_SIZE = 4 << 20;
    static final String ROLLBACK_JOURNAL = "rollback.journal";
    /** A clone's copy from its source while it runs (docs/SNAPSHOTS.md, "Clones"). */
    static final String CLONE_JOURNAL = "clone.journal";

    /** The cluster lock each volume is served under. */
    @FunctionalInterface
    public interface VolumeLocks {
        ClusterLock lockFor(String volume);
    }

    private final Path volumesDir;
    private final int chunkSize;
    private final StoreFullPolicy fullPolicy;
    private final DamagedMetadataPolicy damagePolicy;
    /** The cap of store files of volumes that set none (store-max-size), 0 for none. */
    private long defaultStoreMaxBytes;
    /** Shared by every volume this catalogue opens: their held writes together stay within it. */
    private WriteBackBudget writeBackBudget = new WriteBackBudget(WriteBackBudget.defaultBytes());
    /** The node caches of every store the catalogue opens share it (metadata-cache). */
    private NodeCacheBudget nodeCacheBudget = new NodeCacheBudget(NodeCacheBudget.defaultBytes());
    private final VolumeLocks locks;
    private final SecureRandom random = new SecureRandom();

    /** {@code chunkSize}: the copy unit of the exception stores of new volumes. */
    public VolumeCatalog(Path dataDir, int chunkSize) {
        this(dataDir, chunkSize, StoreFullPolicy.INVALIDATE_SNAPSHOTS, DamagedMetadataPolicy.INVALIDATE_SNAPSHOTS,
                volume -> new SingleNodeLock());
    }

    public VolumeCatalog(Path dataDir, int chunkSize, StoreFullPolicy fullPolicy, DamagedMetadataPolicy damagePolicy,
            VolumeLocks locks) {
        this.volumesDir = dataDir.resolve("volumes");
        this.chunkSize = chunkSize;
        this.fullPolicy = fullPolicy;
        this.damagePolicy = damagePolicy;
        this.locks = locks;
    }

    /** The store-max-size of volumes without their own (0: none); set before volumes are opened. */
    public void defaultStoreMaxBytes(long bytes) {
        this.defaultStoreMaxBytes = bytes;
    }

    /** The bytes of deferred origin writes all volumes opened from now on may hold together (origin-write-back). */
    public void originWriteBack(long bytes) {
        this.writeBackBudget = new WriteBackBudget(bytes);
    }

    /** The bytes of B+-tree nodes the stores opened from now on may cache together (metadata-cache). */
    public void metadataCache(long bytes) {
        this.nodeCacheBudget = new NodeCacheBudget(bytes);
    }

    /** Records a resized volume's new size in its volume.properties. */
    public synchronized void recordSize(String name, long sizeBytes) throws IOException {
        Path dir = volumeDir(name);
        Properties metadata = loadMetadata(dir);
        metadata.setProperty("size", Long.toString(sizeBytes));
        writeAtomically(dir.resolve(METADATA), metadata);
    }

    /** The size {@link #recordSize} recorded last (0 for a volume made before sizes were recorded). */
    public synchronized long recordedSize(String name) throws IOException {
        try {
            return Long.parseLong(loadMetadata(volumeDir(name)).getProperty("size", "0"));
        } catch (NumberFormatException e) {
            throw new IOException(volumeDir(name).resolve(METADATA) + " records no valid size (" + e.getMessage()
                    + "); restore it", e);
        }
    }

    /** The directory of a volume's files. */
    public Path volumeDir(String name) {
        return volumesDir.resolve(name);
    }

    /**
     * Room for a full copy of the volume plus metadata (B+-tree, space map),
     * so snapshots never run the store full before the origin is rewritten
     * once; the file is sparse, so unused room costs nothing. A sixteenth:
     * format 7 tree leaves take a chunk per 50 to 100 copies, two with their
     * copies (docs/STORE.md, "Growth").
     */
    static long storeSize(long volumeBytes) {
        return volumeBytes + volumeBytes / 16 + (4 << 20);
    }

    /** True before the first volume directory was ever made here. */
    public boolean isNew() {
        return !Files.isDirectory(volumesDir);
    }

    public Volume create(String name, long sizeBytes) throws ConfigException, IOException {
        return create(VolumeSpec.ofSize(name, sizeBytes));
    }

    public synchronized Volume create(VolumeSpec spec) throws ConfigException, IOException {
        return create(spec, Optional.empty());
    }

    /**
     * A new volume of the source's size that reads as the source until its
     * copy ends: the copy's journal is written before the volume's metadata,
     * so no crash leaves the clone as a volume of zeros.
     */
    public synchronized Volume createClone(String name, CloneFill.Source source) throws ConfigException, IOException {
        return create(VolumeSpec.ofSize(name, source.sizeBytes()), Optional.of(source));
    }

    private Volume create(VolumeSpec spec, Optional<CloneFill.Source> cloneOf) throws ConfigException, IOException {
        String name = VolumeNames.check(spec.name());
        Path dir = volumesDir.resolve(name);
        if (Files.exists(dir)) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "volume " + name + " already exists");
        }
        long sizeBytes = originSize(spec);
        if (sizeBytes < MIN_SIZE || sizeBytes % LogicalUnit.BLOCK_SIZE != 0) {
            throw new ConfigException("volume size " + sizeBytes + " bytes: it must be at least 1M and a multiple of "
                    + LogicalUnit.BLOCK_SIZE + " bytes");
        }
        long storeBytes = storeSize(spec, sizeBytes);
        if (storeBytes < MIN_STORE_SIZE) {
            throw new ConfigException("store size " + storeBytes + " bytes: it must be at least 4M");
        }
        refuseDevicesInUse(spec);
        Files.createDirectories(volumesDir);
        try {
            Files.createDirectory(dir); // atomic: another node creating the same name loses here
        } catch (FileAlreadyExistsException e) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "volume " + name + " already exists");
        }
        Properties metadata = new Properties();
        try {
            Path storePath = spec.storeDevice() != null ? spec.storeDevice() : dir.resolve(STORE);
            try (FileBlockDevice store = spec.storeDevice() != null ? FileBlockDevice.open(storePath)
                    : FileBlockDevice.createSparse(storePath, storeBytes)) {
                SharedExceptionStore.format(store, chunkSize, sizeBytes);
            }
            if (spec.originDevice() == null) {
                FileBlockDevice.createSparse(dir.resolve(ORIGIN), sizeBytes).close();
            } else {
                metadata.setProperty("origin-device", spec.originDevice().toAbsolutePath().toString());
            }
            if (spec.storeDevice() != null) {
                metadata.setProperty("store-device", spec.storeDevice().toAbsolutePath().toString());
            }
            if (spec.storeMaxBytes() != 0) {
                metadata.setProperty(STORE_MAX_SIZE, Long.toString(spec.storeMaxBytes()));
            }
            if (cloneOf.isPresent()) {
                CloneFill.begin(dir.resolve(CLONE_JOURNAL), cloneOf.get());
            }
        } catch (IOException e) {
            delete(name);
            throw e;
        }
        Instant created = Instant.now();
        long uniqueId = random.nextLong();
        metadata.setProperty("size", Long.toString(sizeBytes));
        metadata.setProperty("unique-id", Long.toHexString(uniqueId));
        metadata.setProperty("created", created.toString());
        writeAtomically(dir.resolve(METADATA), metadata);
        return openVolume(dir, metadata, uniqueId, created);
    }

    private static long originSize(VolumeSpec spec) throws ConfigException, IOException {
        if (spec.originDevice() == null) {
            return spec.sizeBytes();
        }
        if (spec.sizeBytes() != 0) {
            throw new ConfigException("--size and --origin-device exclude each other: the device sets the size");
        }
        return deviceSize(spec.originDevice(), "origin") / LogicalUnit.BLOCK_SIZE * LogicalUnit.BLOCK_SIZE;
    }

    private static long storeSize(VolumeSpec spec, long sizeBytes) throws ConfigException, IOException {
        if (spec.storeDevice() == null) {
            return spec.storeBytes() != 0 ? spec.storeBytes() : storeSize(sizeBytes);
        }
        if (spec.storeBytes() != 0) {
            throw new ConfigException("--store-size and --store-device exclude each other: the device sets the size");
        }
        return deviceSize(spec.storeDevice(), "store");
    }

    private static long deviceSize(Path device, String role) throws ConfigException, IOException {
        if (!Files.exists(device)) {
            throw new ConfigException(role + " device " + device + " does not exist");
        }
        if (!Files.isReadable(device) || !Files.isWritable(device)) {
            throw new ConfigException(role + " device " + device + " is not readable and writable by this server's"
                    + " user (for block devices: add it to the disk group, see docs/SNAPSHOTS.md)");
        }
        try (FileBlockDevice opened = FileBlockDevice.open(device)) {
            return opened.size();
        }
    }

    /** A device serves one role of one volume only: a second use would mix up data. */
    private void refuseDevicesInUse(VolumeSpec spec) throws ConfigException, IOException {
        List<Path> wanted = new ArrayList<>();
        for (Path device : new Path[] {spec.originDevice(), spec.storeDevice()}) {
            if (device != null) {
                wanted.add(device.toRealPath());
            }
        }
        if (wanted.size() == 2 && wanted.get(0).equals(wanted.get(1))) {
            throw new ConfigException("the origin and the store must be different devices");
        }
        if (wanted.isEmpty() || isNew()) {
            return;
        }
        try (Stream<Path> dirs = Files.list(volumesDir)) {
            for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve(METADATA))).toList()) {
                Properties metadata = loadMetadata(dir);
                for (Path used : new Path[] {originPath(dir, metadata), storePath(dir, metadata)}) {
                    if (Files.exists(used) && wanted.contains(used.toRealPath())) {
                        throw new ConfigException(used + " is already used by volume " + dir.getFileName());
                    }
                }
            }
        }
    }

    /** The origin of a volume: its origin-device, or origin.img in its directory. */
    static Path originPath(Path dir, Properties metadata) {
        String device = metadata.getProperty("origin-device");
        return device != null ? Path.of(device) : dir.resolve(ORIGIN);
    }

    /** The exception store of a volume: its store-device, or store.img in its directory. */
    static Path storePath(Path dir, Properties metadata) {
        String device = metadata.getProperty("store-device");
        return device != null ? Path.of(device) : dir.resolve(STORE);
    }

    static Properties loadMetadata(Path dir) throws IOException {
        Properties metadata = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(METADATA), StandardCharsets.UTF_8)) {
            metadata.load(in);
        }
        return metadata;
    }

    /** Opens every volume, in name order. */
    public synchronized List<Volume> openAll() throws IOException {
        List<Volume> volumes = new ArrayList<>();
        for (String name : names()) {
            volumes.add(open(name));
        }
        return volumes;
    }

    /** The volumes whose files are complete (the metadata is written last), in name order. */
    public synchronized List<String> names() throws IOException {
        if (isNew()) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(volumesDir)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(METADATA))).sorted(Comparator.naturalOrder())
                    .map(d -> d.getFileName().toString()).toList();
        }
    }

    /** Opens one volume, e.g. one another cluster node created. */
    public synchronized Volume open(String name) throws IOException {
        return open(volumesDir.resolve(name));
    }

    /** Removes a volume's files; the caller has closed it. Raw devices it used are left as they are. */
    public synchronized void delete(String name) throws IOException {
        Path dir = volumesDir.resolve(name);
        // Metadata first: a crash mid-delete leaves no half-volume that would be opened.
        Files.deleteIfExists(dir.resolve(METADATA));
        Files.deleteIfExists(dir.resolve(ORIGIN));
        Files.deleteIfExists(dir.resolve(STORE));
        Files.deleteIfExists(dir.resolve(ROLLBACK_JOURNAL));
        Files.deleteIfExists(dir.resolve(CLONE_JOURNAL));
        try (Stream<Path> kept = Files.list(dir)) { // persistent reservations of its targets
            for (Path file : kept.filter(f -> f.getFileName().toString().startsWith(FileReservationStore.FILE))
                    .toList()) {
                Files.delete(file);
            }
        }
        Files.deleteIfExists(dir);
    }

    private Volume open(Path dir) throws IOException {
        Properties metadata = loadMetadata(dir);
        long uniqueId;
        Instant created;
        try {
            uniqueId = Long.parseUnsignedLong(metadata.getProperty("unique-id"), 16);
            created = Instant.parse(metadata.getProperty("created"));
        } catch (RuntimeException e) {
            throw new IOException(dir.resolve(METADATA) + " is damaged (" + e + "); restore it or remove the volume",
                    e);
        }
        Volume volume = openVolume(dir, metadata, uniqueId, created);
        if (volume.sizeBytes() > Long.parseLong(metadata.getProperty("size", "0"))) {
            recordSize(volume.name, volume.sizeBytes()); // a resize the power cut short: its origin had grown
        }
        return volume;
    }

    /**
     * Mounts the store and wires it to the origin (through a clone's copy
     * while one runs); closes both devices if that fails.
     */
    private Volume openVolume(Path dir, Properties metadata, long uniqueId, Instant created) throws IOException {
        String name = dir.getFileName().toString();
        FileBlockDevice origin = FileBlockDevice.open(originPath(dir, metadata));
        FileBlockDevice storeDevice = null;
        try {
            storeDevice = FileBlockDevice.open(storePath(dir, metadata));
            SharedExceptionStore store;
            try {
                store = SharedExceptionStore.open(storeDevice, nodeCacheBudget, fullPolicy, damagePolicy);
                store.probeTreeRoot();
                if (metadata.getProperty("store-device") == null) { // a raw device grows by `volume grow-store`
                    store.growWith(new FileStoreGrowth(storePath(dir, metadata), storeMaxBytes(metadata)));
                }
            } catch (IOException e) {
                throw new IOException("volume " + name + ": its exception store cannot be mounted (" + e.getMessage()
                        + "); run `snapshare check " + name + "`", e);
            }
            Optional<CloneFill> fill = CloneFill.resume(name, origin, dir.resolve(CLONE_JOURNAL), store.chunkSize());
            SnapshotCore core = new SnapshotCore(name, uniqueId, fill.isPresent() ? fill.get().device() : origin,
                    store, dir.resolve(ROLLBACK_JOURNAL), locks.lockFor(name), SnapshotCore.DEFAULT_TAKE_TIMEOUT);
            core.writeBackBudget(writeBackBudget);
            return new Volume(name, uniqueId, created, core, fill);
        } catch (IOException | RuntimeException e) {
            origin.close();
            if (storeDevice != null) {
                storeDevice.close();
            }
            throw e;
        }
    }

    private long storeMaxBytes(Properties metadata) throws IOException {
        String own = metadata.getProperty(STORE_MAX_SIZE);
        try {
            return own == null ? defaultStoreMaxBytes : Long.parseLong(own);
        } catch (NumberFormatException e) {
            throw new IOException(METADATA + " has store-max-size '" + own + "', not a number of bytes; fix it", e);
        }
    }

    private static void writeAtomically(Path file, Properties values) throws IOException {
        StringWriter text = new StringWriter();
        values.store(text, "snapshare volume");
        DurableFiles.replace(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
