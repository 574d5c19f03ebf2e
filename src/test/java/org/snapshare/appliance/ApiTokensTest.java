package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API tokens: shown once, kept only hashed, found again after a restart, gone at once when revoked. */
class ApiTokensTest {

    @TempDir
    Path dir;

    @Test
    void aTokenIsKeptHashedAndOutlivesARestart() throws Exception {
        Path api = dir.resolve("api");
        String token = ApiTokens.open(api).create("ci", ApiRole.OPERATOR);
        assertTrue(token.matches("snapshare_[0-9a-f]{16}_[A-Za-z0-9_-]{43}"), token);
        String file = Files.readString(api.resolve(ApiTokens.FILE), StandardCharsets.UTF_8);
        String secret = token.split("_", 3)[2]; // base64url: the secret may hold '_' itself
        assertEquals(43, secret.length());
        assertFalse(file.contains(secret), "the secret is never stored");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(api)));

        ApiTokens reopened = ApiTokens.open(api);
        Optional<ApiTokens.Token> found = reopened.authenticate(token);
        assertEquals("ci", found.orElseThrow().name());
        assertEquals(ApiRole.OPERATOR, found.get().role());
        assertEquals(found, reopened.authenticate(token), "a second look (from the proven cache) agrees");
    }

    @Test
    void wrongAndMalformedTokensAreRefused() throws Exception {
        ApiTokens tokens = ApiTokens.open(dir.resolve("api"));
        String token = tokens.create("a", ApiRole.ADMIN);
        char last = token.charAt(token.length() - 1);
        String changed = token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
        assertEquals(Optional.empty(), tokens.authenticate(changed));
        assertEquals(Optional.empty(), tokens.authenticate(token + "x"));
        assertEquals(Optional.empty(), tokens.authenticate(""));
        assertEquals(Optional.empty(), tokens.authenticate("x".repeat(1 << 20)));
        assertTrue(tokens.authenticate(token).isPresent());
    }

    @Test
    void revokingEndsATokenAtOnceAndNamesAreUnique() throws Exception {
        ApiTokens tokens = ApiTokens.open(dir.resolve("api"));
        String token = tokens.create("ops", ApiRole.VIEWER);
        assertTrue(tokens.authenticate(token).isPresent());
        ConfigException taken = assertThrows(ConfigException.class, () -> tokens.create("ops", ApiRole.ADMIN));
        assertEquals(ConfigException.Reason.CONFLICT, taken.reason());
        tokens.revoke("ops");
        assertEquals(Optional.empty(), tokens.authenticate(token));
        assertEquals(Optional.empty(), ApiTokens.open(dir.resolve("api")).authenticate(token));
        assertEquals(ConfigException.Reason.NOT_FOUND,
                assertThrows(ConfigException.class, () -> tokens.revoke("ops")).reason());
        assertThrows(ConfigException.class, () -> tokens.create("bad name", ApiRole.ADMIN));
        assertThrows(ConfigException.class, () -> ApiRole.parse("root"));
    }
}
