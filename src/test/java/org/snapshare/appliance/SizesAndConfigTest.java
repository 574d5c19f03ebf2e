package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SizesAndConfigTest {

    @Test
    void sizesTakeBinaryUnits() throws ConfigException {
        assertEquals(1L << 30, Sizes.parse("1G"));
        assertEquals(1L << 30, Sizes.parse("1GiB"));
        assertEquals(512L << 20, Sizes.parse("512m"));
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals("1.0 GiB", Sizes.format(1L << 30));
    }

    @Test
    void badSizesSayWhatIsExpected() {
        for (String bad : new String[] {"", "G", "-1G", "0", "1X", "1.5G", "99999999999P"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> Sizes.parse(bad), bad);
            assertTrue(e.getMessage().contains("e.g. 1G"), e.getMessage());
        }
    }

    @Test
    void clusterAndPortalSettingsAreCheckedWithAHint() throws ConfigException {
        ApplianceConfig defaults = ApplianceConfig.defaults();
        assertTrue(defaults.clusterZookeeper().isEmpty(), "a single node by default");
        assertTrue(defaults.clusterNode().isEmpty());
        assertTrue(defaults.advertisedPortal().isEmpty());
        assertEquals("10.0.2.2:3260", defaults.with("advertised-portal", "10.0.2.2:3260").advertisedPortal()
                .orElseThrow());
        for (String bad : new String[] {"10.0.2.2", ":3260", "host:port", "host:99999"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> defaults.with("advertised-portal", bad).advertisedPortal(), bad);
            assertTrue(e.getMessage().contains("must be HOST:PORT"), e.getMessage());
        }
        ApplianceConfig clustered = defaults.with("cluster-zookeeper", "127.0.0.1:2181");
        assertEquals("node-a", clustered.with("cluster-node", "node-a").clusterNode().orElseThrow());
        assertThrows(ConfigException.class, () -> clustered.with("cluster-node", "no/slash").clusterNode());
        assertEquals(6, clustered.clusterSessionTimeout().toSeconds());
        assertThrows(ConfigException.class, () -> clustered.with("cluster-session-timeout", "1s")
                .clusterSessionTimeout());
        assertThrows(ConfigException.class, () -> defaults.with("damaged-metadata-policy", "ignore")
                .damagedMetadataPolicy());
    }

    @Test
    void connectionLimitsComeFromTheConfigAndEachIsDocumented() throws Exception {
        ApplianceConfig defaults = ApplianceConfig.defaults();
        assertEquals(org.snapshare.iscsi.ConnectionLimits.defaults(), defaults.connectionLimits(),
                "the shipped config and the built-in defaults agree");
        assertEquals(32L << 20, defaults.with("buffer-memory", "32M").connectionLimits().bufferMemory());
        assertEquals(1500, defaults.with("login-timeout", "1500ms").connectionLimits().loginTimeout().toMillis());
        String[][] bad = {{"queue-depth", "0"}, {"max-connections", "many"}, {"login-timeout", "0s"},
            {"nop-in-timeout", "2h"}, {"buffer-memory", "1M"}, {"max-pending-logins-per-address", "-1"}};
        for (String[] setting : bad) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> defaults.with(setting[0], setting[1]).connectionLimits(), setting[0]);
            assertTrue(e.getMessage().startsWith(setting[0]), e.getMessage());
        }
        String security = Files.readString(Path.of("docs/SECURITY.md"));
        for (String key : new String[] {"max-connections", "max-pending-logins", "max-pending-logins-per-address",
            "login-timeout", "nop-in-interval", "nop-in-timeout", "queue-depth", "buffer-memory"}) {
            assertTrue(security.contains("`" + key + "`"), key + " missing from docs/SECURITY.md");
        }
    }

    @Test
    void embeddedDefaultsMatchTheShippedConfig() throws ConfigException {
        ApplianceConfig defaults = ApplianceConfig.defaults();
        assertEquals(Path.of("./snapshare-data"), defaults.dataDir());
        assertEquals("127.0.0.1", defaults.portal().getAddress().getHostAddress());
        assertEquals(3260, defaults.portal().getPort());
        assertEquals("vol0", defaults.defaultVolume());
        assertEquals(1L << 30, defaults.defaultVolumeSize());
        assertEquals("iqn.2026-11.org.snapshare", defaults.iqnPrefix());
        assertEquals(65536, defaults.chunkSize());
        assertEquals(org.snapshare.store.StoreFullPolicy.INVALIDATE_SNAPSHOTS, defaults.storeFullPolicy());
        assertThrows(ConfigException.class, () -> defaults.with("chunk-size", "3000").chunkSize());
        assertThrows(ConfigException.class, () -> defaults.with("chunk-size", "2M").chunkSize());
        assertThrows(ConfigException.class, () -> defaults.with("store-full-policy", "panic").storeFullPolicy());
    }

    @Test
    void theOriginWriteBackBudgetDefaultsToTheCoresAndRefusesWhatTheHeapCannotHold() throws ConfigException {
        ApplianceConfig defaults = ApplianceConfig.defaults();
        assertTrue(defaults.originWriteBack().isEmpty(), "unset: the snapshot core's default applies");
        assertEquals(0, defaults.with("origin-write-back", "0").originWriteBack().getAsLong());
        assertEquals(16L << 20, defaults.with("origin-write-back", "16M").originWriteBack().getAsLong());
        ConfigException tooBig = assertThrows(ConfigException.class,
                () -> defaults.with("origin-write-back", "1T").originWriteBack());
        assertTrue(tooBig.getMessage().contains("origin-write-back 1T") && tooBig.getMessage().contains("-Xmx"),
                tooBig.getMessage());
        assertThrows(ConfigException.class, () -> defaults.with("origin-write-back", "lots").originWriteBack());
    }

    @Test
    void theMetadataCacheBudgetDefaultsToTheStoresAndRefusesWhatTheHeapCannotHold() throws ConfigException {
        ApplianceConfig defaults = ApplianceConfig.defaults();
        assertTrue(defaults.metadataCache().isEmpty(), "unset: a quarter of the heap's limit");
        assertEquals(32L << 20, defaults.with("metadata-cache", "32M").metadataCache().getAsLong());
        ConfigException tooLarge = assertThrows(ConfigException.class,
                () -> defaults.with("metadata-cache", "1T").metadataCache());
        assertTrue(tooLarge.getMessage().contains("metadata-cache 1T") && tooLarge.getMessage().contains("-Xmx"),
                tooLarge.getMessage());
        assertThrows(ConfigException.class, () -> defaults.with("metadata-cache", "0").metadataCache());
    }

    @Test
    void configFileOverridesAndUnknownKeysAreNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.conf");
        Files.writeString(file, "portal = 127.0.0.2:4000\n");
        assertEquals(4000, ApplianceConfig.defaults().withFile(file).portal().getPort());

        Files.writeString(file, "portl = 127.0.0.2:4000\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ApplianceConfig.defaults().withFile(file));
        assertTrue(e.getMessage().contains("[portl]"), e.getMessage());

        assertThrows(ConfigException.class, () -> ApplianceConfig.defaults().withFile(dir.resolve("missing.conf")));
    }

    @Test
    void badPortalsAreRefused() {
        for (String bad : new String[] {"127.0.0.1", "127.0.0.1:", ":3260", "127.0.0.1:70000", "127.0.0.1:x"}) {
            assertThrows(ConfigException.class, () -> ApplianceConfig.parsePortal(bad), bad);
        }
    }

    @Test
    void volumeNamesMustFitAnIqn() throws ConfigException {
        assertEquals("vol-1", VolumeNames.check("vol-1"));
        for (String bad : new String[] {"", "Vol", "-a", "a.b", "a_b", "a".repeat(64)}) {
            assertThrows(ConfigException.class, () -> VolumeNames.check(bad), bad);
        }
    }
}
