package org.snapshare.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.snapshare.iscsi.ConnectionLimits;
import org.snapshare.store.DamagedMetadataPolicy;
import org.snapshare.store.StoreFullPolicy;

/** The server's settings: the embedded defaults, then a config file, then command-line overrides. */
public final class ApplianceConfig {

    private static final String DEFAULTS = "snapshare.conf";
    private static final Set<String> KEYS =
            Set.of("data-dir", "portal", "default-volume", "default-volume-size", "iqn-prefix", "chunk-size",
                    "store-full-policy", "damaged-metadata-policy", "chap-user", "chap-secret", "mutual-chap-user", "mutual-chap-secret",
                    "discovery-chap-user", "discovery-chap-secret", "allowed-initiators",
                    "snapshots-read-only", "cluster-zookeeper", "cluster-node", "cluster-session-timeout",
                    "advertised-portal", "metrics-listen", "store-max-size", "max-connections", "max-pending-logins",
                    "max-pending-logins-per-address", "login-timeout", "nop-in-interval", "nop-in-timeout",
                    "queue-depth", "buffer-memory", "discovery-auth", "api-listen", "api-advertised", "api-tls-cert",
                    "api-tls-key", "origin-write-back", "metadata-cache");
    /** Keys that may also (read-only: only) name one target: KEY.VOLUME or KEY.VOLUME.SNAPSHOT. */
    private static final Set<String> PER_TARGET_KEYS = Set.of("chap-user", "chap-secret", "allowed-initiators",
            "snapshots-read-only", "read-only");

    private final Properties values;

    private ApplianceConfig(Properties values) {
        this.values = values;
    }

    /** The embedded defaults (the shipped etc/snapshare.conf). */
    public static ApplianceConfig defaults() {
        try (InputStream in = ApplianceConfig.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("embedded " + DEFAULTS + " missing from the jar");
            }
            Properties values = new Properties();
            values.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return new ApplianceConfig(values);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read embedded " + DEFAULTS, e);
        }
    }

    /** These settings with a config file's keys laid over them. */
    public ApplianceConfig withFile(Path file) throws ConfigException {
        Properties merged = copy();
        Properties read = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            read.load(in);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Set<String> unknown = new TreeSet<>(read.stringPropertyNames());
        unknown.removeIf(ApplianceConfig::known);
        if (!unknown.isEmpty()) {
            throw new ConfigException("config file " + file + " has unknown keys " + unknown + "; known keys are "
                    + new TreeSet<>(KEYS));
        }
        merged.putAll(read);
        return new ApplianceConfig(merged);
    }

    /** These settings with one key replaced (a command-line option). */
    public ApplianceConfig with(String key, String value) {
        if (!known(key)) {
            throw new IllegalArgumentException("unknown setting " + key);
        }
        Properties merged = copy();
        merged.setProperty(key, value);
        return new ApplianceConfig(merged);
    }

    /** Reads every setting a server needs once, so a bad one is refused before anything starts. */
    void checkSettings() throws ConfigException {
        chunkSize();
        storeFullPolicy();
        damagedMetadataPolicy();
        storeMaxSize();
        originWriteBack();
        metadataCache();
        advertisedPortal();
        metricsListen();
        apiListen();
        apiUrl();
        ReadOnlyPolicy.from(this);
        ScheduleBook.checkConfig(this);
    }

    public Path dataDir() {
        return Path.of(get("data-dir"));
    }

    public InetSocketAddress portal() throws ConfigException {
        return parsePortal(get("portal"));
    }

    /** Where Prometheus metrics are served (HOST:PORT); empty: nowhere (docs/METRICS.md says why). */
    public Optional<InetSocketAddress> metricsListen() throws ConfigException {
        Optional<String> listen = optional("metrics-listen");
        return listen.isEmpty() ? Optional.empty() : Optional.of(parsePortal(listen.get()));
    }

    /** Where the HTTPS management API listens (HOST:PORT); empty: it is off (docs/API.md). */
    public Optional<InetSocketAddress> apiListen() throws ConfigException {
        Optional<String> listen = optional("api-listen");
        return listen.isEmpty() ? Optional.empty() : Optional.of(parsePortal(listen.get()));
    }

    /**
     * The API's base URL as clients reach it (behind NAT or a proxy), else
     * https://HOST:PORT of api-listen; empty when the API is off.
     */
    public Optional<String> apiUrl() throws ConfigException {
        Optional<String> advertised = optional("api-advertised");
        if (advertised.isPresent()) {
            if (!advertised.get().matches("https://[^/\\s]+")) {
                throw new ConfigException("api-advertised '" + advertised.get() + "' must be https://HOST:PORT, the"
                        + " address clients reach the API at");
            }
            return advertised;
        }
        return optional("api-listen").map(listen -> "https://" + listen);
    }

    /** The portal as configured, HOST:PORT. */
    public String portalText() {
        return get("portal");
    }

    /**
     * What SendTargets tells initiators to connect to (HOST:PORT), for those
     * that reach this server through NAT or a proxy; empty: the address each
     * discovery connection arrived on.
     */
    public Optional<String> advertisedPortal() throws ConfigException {
        Optional<String> advertised = optional("advertised-portal");
        if (advertised.isPresent()) {
            int colon = advertised.get().lastIndexOf(':');
            String port = colon < 0 ? "" : advertised.get().substring(colon + 1);
            if (colon <= 0 || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                throw new ConfigException("advertised-portal '" + advertised.get() + "' must be HOST:PORT (an"
                        + " address initiators can reach, e.g. 192.0.2.10:3260; [IPv6]:PORT for IPv6)");
            }
        }
        return advertised;
    }

    public String defaultVolume() {
        return get("default-volume");
    }

    public long defaultVolumeSize() throws ConfigException {
        return Sizes.parse(get("default-volume-size"));
    }

    /** The cap of a store file that grows, for volumes without their own; 0 when unset (only the reserve applies). */
    public long storeMaxSize() throws ConfigException {
        Optional<String> value = optional("store-max-size");
        return value.isEmpty() || value.get().isBlank() ? 0 : Sizes.parse(value.get());
    }

    /** Bytes of deferred origin writes all volumes may hold together; empty when unset (the built-in default). */
    public OptionalLong originWriteBack() throws ConfigException {
        return heapBudget("origin-write-back", true, 4, "a quarter", "the volumes may hold that much");
    }

    /** Bytes of B+-tree nodes all volumes' stores may cache together; empty when unset (the built-in default). */
    public OptionalLong metadataCache() throws ConfigException {
        return heapBudget("metadata-cache", false, 2, "half", "the stores may cache that much");
    }

    /**
     * A size the server keeps in its heap: empty when unset; 0 only where {@code zeroTurnsOff} (the feature off),
     * refused at a {@code share} (1/{@code divisor}) of the heap's limit or more.
     */
    private OptionalLong heapBudget(String key, boolean zeroTurnsOff, long divisor, String share, String holder)
            throws ConfigException {
        Optional<String> value = optional(key);
        if (value.isEmpty() || value.get().isBlank()) {
            return OptionalLong.empty();
        }
        long bytes = zeroTurnsOff && value.get().trim().equals("0") ? 0 : Sizes.parse(value.get());
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes >= heap / divisor) {
            throw new ConfigException(key + " " + value.get() + " must stay below " + share + " of the JVM's heap"
                    + " limit (-Xmx, " + heap + " bytes): " + holder + " in the heap");
        }
        return OptionalLong.of(bytes);
    }

    /** The copy unit of new volumes' exception stores: a power of two from 4K to 1M. */
    public int chunkSize() throws ConfigException {
        long size = Sizes.parse(get("chunk-size"));
        if (Long.bitCount(size) != 1 || size < 4096 || size > (1 << 20)) {
            throw new ConfigException("chunk-size " + get("chunk-size") + " must be a power of two from 4K to 1M");
        }
        return (int) size;
    }

    /** invalidate-snapshots (default) or fail-writes: see docs/STORE.md. */
    public StoreFullPolicy storeFullPolicy() throws ConfigException {
        switch (get("store-full-policy")) {
            case "invalidate-snapshots":
                return StoreFullPolicy.INVALIDATE_SNAPSHOTS;
            case "fail-writes":
                return StoreFullPolicy.FAIL_WRITES;
            default:
                throw new ConfigException("store-full-policy " + get("store-full-policy")
                        + " must be invalidate-snapshots or fail-writes");
        }
    }

    /** The ZooKeeper ensemble of a cluster (HOST:PORT[,HOST:PORT...][/chroot]); empty: a single node. */
    public Optional<String> clusterZookeeper() {
        return optional("cluster-zookeeper");
    }

    /** This node's name in its cluster (default: the host name); present only in a cluster. */
    public Optional<String> clusterNode() throws ConfigException {
        if (clusterZookeeper().isEmpty()) {
            return Optional.empty();
        }
        String node = optional("cluster-node").orElseGet(ApplianceConfig::hostName);
        if (!node.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
            throw new ConfigException("cluster-node '" + node + "' must be 1 to 63 letters, digits, '.', '_' or '-'"
                    + " (it names the node's control socket and lock file)");
        }
        return Optional.of(node);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** How long ZooKeeper waits for a silent node before its locks pass to another: 2s to 60s. */
    public Duration clusterSessionTimeout() throws ConfigException {
        return duration("cluster-session-timeout", optional("cluster-session-timeout").orElse("6s"), 2000, 60000);
    }

    /**
     * What the iSCSI portal grants its peers (docs/SECURITY.md); every key has its default in the
     * embedded config, but for buffer-memory, whose default (empty) is a quarter of the heap's limit.
     */
    public ConnectionLimits connectionLimits() throws ConfigException {
        Optional<String> memory = optional("buffer-memory");
        long bufferMemory = memory.isEmpty() ? ConnectionLimits.defaultBufferMemory() : Sizes.parse(memory.get());
        if (bufferMemory < ConnectionLimits.LARGEST_COMMAND || bufferMemory >= Runtime.getRuntime().maxMemory()) {
            throw new ConfigException("buffer-memory " + memory.orElse("") + " must be at least 4M and below the"
                    + " heap's limit (" + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB; -Xmx)");
        }
        return new ConnectionLimits(count("max-connections", 1, 65536), count("max-pending-logins", 1, 65536),
                count("max-pending-logins-per-address", 1, 65536), duration("login-timeout", 1000, 600_000),
                duration("nop-in-interval", 1000, 3_600_000), duration("nop-in-timeout", 1000, 600_000),
                count("queue-depth", 1, 65536), bufferMemory);
    }

    private int count(String key, int min, int max) throws ConfigException {
        String text = get(key);
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(key + " '" + text + "' must be a whole number from " + min + " to " + max);
    }

    /** A key the embedded defaults set, in seconds (6s) or milliseconds (6000ms), within the bounds. */
    private Duration duration(String key, long minMillis, long maxMillis) throws ConfigException {
        return duration(key, get(key), minMillis, maxMillis);
    }

    /** {@code text}, the value of {@code key}: seconds (6s) or milliseconds (6000ms), within the bounds. */
    private static Duration duration(String key, String text, long minMillis, long maxMillis)
            throws ConfigException {
        Duration value;
        try {
            value = text.endsWith("ms") ? Duration.ofMillis(Long.parseLong(text.substring(0,
                    text.length() - 2))) : Duration.ofSeconds(Long.parseLong(text.replaceAll("s$", "")));
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " '" + text + "' must be seconds (6s) or ms (6000ms)");
        }
        if (value.toMillis() < minMillis || value.toMillis() > maxMillis) {
            throw new ConfigException(key + " " + text + " must lie from " + describe(minMillis) + " to "
                    + describe(maxMillis));
        }
        return value;
    }

    private static String describe(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** The control socket of this server: one per node in a cluster, the data dir being shared. */
    public Path controlSocket() throws ConfigException {
        return org.snapshare.control.ControlProtocol.socketPath(dataDir(), clusterNode());
    }

    /** invalidate-snapshots (default) or fail-writes: see docs/STORE.md. */
    public DamagedMetadataPolicy damagedMetadataPolicy() throws ConfigException {
        String value = optional("damaged-metadata-policy").orElse("invalidate-snapshots");
        switch (value) {
            case "invalidate-snapshots":
                return DamagedMetadataPolicy.INVALIDATE_SNAPSHOTS;
            case "fail-writes":
                return DamagedMetadataPolicy.FAIL_WRITES;
            default:
                throw new ConfigException("damaged-metadata-policy " + value
                        + " must be invalidate-snapshots or fail-writes");
        }
    }

    public String iqnPrefix() {
        return get("iqn-prefix");
    }

    /** HOST:PORT, or [IPv6]:PORT. */
    public static InetSocketAddress parsePortal(String text) throws ConfigException {
        int colon = text.lastIndexOf(':');
        String hint = "; expected HOST:PORT, e.g. 127.0.0.1:3260";
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ConfigException("invalid portal '" + text + "'" + hint);
        }
        String host = text.substring(0, colon).replaceAll("^\\[|\\]$", "");
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid port in portal '" + text + "'" + hint);
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("port " + port + " out of range 0..65535 in portal '" + text + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ConfigException("unknown host '" + host + "' in portal '" + text + "'");
        }
    }

    private static boolean known(String key) {
        return KEYS.contains(key) || key.startsWith(ConfigAccessPolicy.NODE_PREFIX)
                || key.startsWith(ScheduleBook.CONFIG_PREFIX)
                || PER_TARGET_KEYS.stream().anyMatch(prefix -> key.startsWith(prefix + "."));
    }

    private String get(String key) {
        return values.getProperty(key).trim();
    }

    /** Every key set, for settings that name targets. */
    public Set<String> keys() {
        return new TreeSet<>(values.stringPropertyNames());
    }

    /** A setting that may be absent (or empty, which counts as absent). */
    public Optional<String> optional(String key) {
        String value = values.getProperty(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    private Properties copy() {
        Properties copy = new Properties();
        copy.putAll(values);
        return copy;
    }
}
