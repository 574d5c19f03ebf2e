package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The most specific read-only setting wins; origins are only read-only by name. */
class ReadOnlyPolicyTest {

    @Test
    void mostSpecificSettingWins() throws Exception {
        ReadOnlyPolicy policy = ReadOnlyPolicy.from(ApplianceConfig.defaults()
                .with("snapshots-read-only", "yes")
                .with("snapshots-read-only.scratch", "no")
                .with("read-only.scratch.frozen", "yes")
                .with("read-only.vol0.writable", "no")
                .with("read-only.db", "yes"));
        assertTrue(policy.readOnly("vol0", "nightly"));
        assertFalse(policy.readOnly("vol0", "writable"));
        assertFalse(policy.readOnly("scratch", "any"));
        assertTrue(policy.readOnly("scratch", "frozen"));
        assertFalse(policy.readOnly("vol0", null), "snapshot settings leave origins alone");
        assertTrue(policy.readOnly("db", null));
        assertTrue(policy.readOnly("db", "s1"), "the global snapshot setting still applies to db's snapshots");
    }

    @Test
    void aValueOtherThanYesOrNoIsRefusedAtStart() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ReadOnlyPolicy.from(ApplianceConfig.defaults().with("read-only.vol0", "maybe")));
        assertTrue(e.getMessage().contains("read-only.vol0 = maybe: use yes or no"), e.getMessage());
    }
}
