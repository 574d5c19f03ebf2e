package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.snapshare.iscsi.ChapSecret;

/** Which CHAP each initiator must prove: node entries, per-target and plain secrets, discovery (docs/ACCESS.md). */
class ConfigAccessPolicyTest {

    private static final String TARGET = "iqn.2026-11.org.snapshare:vol0";
    private static final String HOST1 = "iqn.1993-08.org.debian:01:host1";
    private static final String HOST2 = "iqn.1993-08.org.debian:01:host2";

    private static ApplianceConfig config(String... keysAndValues) {
        ApplianceConfig config = ApplianceConfig.defaults();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config = config.with(keysAndValues[i], keysAndValues[i + 1]);
        }
        return config;
    }

    private static String user(Optional<ChapSecret> secret) {
        return secret.map(ChapSecret::user).orElse("(none)");
    }

    @Test
    void aNodeEntryIsTheOnlyCredentialItsInitiatorNameLogsInWith() throws ConfigException {
        ConfigAccessPolicy policy = ConfigAccessPolicy.from(config("chap-user", "shared", "chap-secret",
                "shared-secret-1", "node.h1.name", HOST1, "node.h1.chap-user", "host1", "node.h1.chap-secret",
                "host1-secret-22"));
        assertEquals("host1", user(policy.initiatorSecret(TARGET, HOST1)));
        assertEquals("host1", user(policy.initiatorSecret(null, HOST1)), "in discovery too");
        assertEquals("shared", user(policy.initiatorSecret(TARGET, HOST2)));
        assertEquals("shared", user(policy.initiatorSecret(null, HOST2)), "discovery needs the plain CHAP");
    }

    @Test
    void aNodeEntryNeedsCHAPEvenWhereTargetsNeedNone() throws ConfigException {
        ConfigAccessPolicy policy = ConfigAccessPolicy.from(config("node.h1.name", HOST1, "node.h1.chap-user",
                "host1", "node.h1.chap-secret", "host1-secret-22"));
        assertEquals("host1", user(policy.initiatorSecret(TARGET, HOST1)));
        assertEquals("(none)", user(policy.initiatorSecret(TARGET, HOST2)));
        assertEquals("(none)", user(policy.initiatorSecret(null, HOST2)), "no target needs CHAP: discovery open");
    }

    @Test
    void discoveryNeedsCHAPWhenTargetsDoUnlessSaidOtherwise() throws ConfigException {
        ConfigException open = assertThrows(ConfigException.class, () -> ConfigAccessPolicy.from(config(
                "chap-user.db", "dbuser", "chap-secret.db", "db-secret-4567")));
        assertTrue(open.getMessage().contains("discovery-auth = none"), open.getMessage());
        ConfigAccessPolicy declared = ConfigAccessPolicy.from(config("chap-user.db", "dbuser", "chap-secret.db",
                "db-secret-4567", "discovery-auth", "none"));
        assertEquals("(none)", user(declared.initiatorSecret(null, HOST2)));
        ConfigAccessPolicy own = ConfigAccessPolicy.from(config("chap-user.db", "dbuser", "chap-secret.db",
                "db-secret-4567", "discovery-chap-user", "disc", "discovery-chap-secret", "disc-secret-890"));
        assertEquals("disc", user(own.initiatorSecret(null, HOST2)));
    }

    @Test
    void incompleteOrUnknownNodeKeysStopTheServer() {
        String[][] bad = {{"node.h1.name", HOST1}, {"node.h1.chap-secret", "host1-secret-22"},
            {"node.h1.colour", "blue"}, {"node.name", HOST1}, {"discovery-auth", "maybe"}};
        for (String[] setting : bad) {
            assertThrows(ConfigException.class, () -> ConfigAccessPolicy.from(config(setting)), setting[0]);
        }
        ConfigException twice = assertThrows(ConfigException.class, () -> ConfigAccessPolicy.from(config(
                "node.a.name", HOST1, "node.a.chap-user", "a", "node.a.chap-secret", "a-secret-123456",
                "node.b.name", HOST1, "node.b.chap-user", "b", "node.b.chap-secret", "b-secret-123456")));
        assertTrue(twice.getMessage().contains("two node entries"), twice.getMessage());
    }
}
