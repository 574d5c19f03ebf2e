package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CHAP exchange, checked against the JDK's own digests (an implementation independent of Bouncy Castle). */
class ChapAuthenticatorTest {

    private static final ChapSecret INITIATOR = new ChapSecret("alice", "alice-secret-123");
    private static final ChapSecret TARGET = new ChapSecret("snapshare", "target-secret-456");

    private static byte[] jdkResponse(String algorithm, int id, String secret, byte[] challenge) throws Exception {
        MessageDigest digest = MessageDigest.getInstance(algorithm);
        digest.update((byte) id);
        digest.update(secret.getBytes(StandardCharsets.UTF_8));
        digest.update(challenge);
        return digest.digest();
    }

    private static String hex(byte[] bytes) {
        return "0x" + HexFormat.of().formatHex(bytes);
    }

    /** Runs the exchange with algorithm list {@code offered}; returns the target's last answers. */
    private static Map<String, String> login(ChapAuthenticator chap, String offered, String jdkAlgorithm,
            String secret, Map<String, String> extra) throws Exception {
        assertEquals("CHAP", chap.answer(Map.of("AuthMethod", "CHAP,None")).get("AuthMethod"));
        Map<String, String> challenge = chap.answer(Map.of("CHAP_A", offered));
        int id = Integer.parseInt(challenge.get("CHAP_I"));
        byte[] c = HexFormat.of().parseHex(challenge.get("CHAP_C").substring(2));
        assertTrue(c.length >= 16, "challenge of " + c.length + " bytes");
        java.util.Map<String, String> reply = new java.util.LinkedHashMap<>(extra);
        reply.put("CHAP_N", "alice");
        reply.put("CHAP_R", hex(jdkResponse(jdkAlgorithm, id, secret, c)));
        return chap.answer(reply);
    }

    @Test
    void everyAlgorithmAuthenticatesWithTheRightSecret() throws Exception {
        String[][] algorithms = {{"5", "MD5"}, {"6", "SHA-1"}, {"7", "SHA-256"}, {"8", "SHA3-256"}};
        for (String[] algorithm : algorithms) {
            ChapAuthenticator chap = new ChapAuthenticator(Optional.of(INITIATOR), Optional.empty());
            assertFalse(chap.authenticated());
            login(chap, algorithm[0], algorithm[1], INITIATOR.secret(), Map.of());
            assertTrue(chap.authenticated(), algorithm[1]);
        }
    }

    @Test
    void theInitiatorsPreferenceOrderWins() throws Exception {
        ChapAuthenticator chap = new ChapAuthenticator(Optional.of(INITIATOR), Optional.empty());
        chap.answer(Map.of("AuthMethod", "CHAP"));
        assertEquals("7", chap.answer(Map.of("CHAP_A", "99,7,5")).get("CHAP_A"));
    }

    @Test
    void aWrongSecretOrNameFailsWithAuthenticationFailure() throws Exception {
        ChapAuthenticator chap = new ChapAuthenticator(Optional.of(INITIATOR), Optional.empty());
        LoginException wrong = assertThrows(LoginException.class,
                () -> login(chap, "5", "MD5", "not-the-secret!", Map.of()));
        assertEquals(0x0201, wrong.statusClass << 8 | wrong.statusDetail);
        assertFalse(wrong.getMessage().contains(INITIATOR.secret()), "the message must not show the secret");
        assertFalse(chap.authenticated());
    }

    @Test
    void mutualChapAnswersTheInitiatorsChallengeWithTheTargetSecret() throws Exception {
        ChapAuthenticator chap = new ChapAuthenticator(Optional.of(INITIATOR), Optional.of(TARGET));
        byte[] ours = new byte[20];
        new java.util.Random(3).nextBytes(ours);
        Map<String, String> answer = login(chap, "7", "SHA-256", INITIATOR.secret(),
                Map.of("CHAP_I", "77", "CHAP_C", hex(ours)));
        assertEquals("snapshare", answer.get("CHAP_N"));
        assertArrayEquals(jdkResponse("SHA-256", 77, TARGET.secret(), ours),
                HexFormat.of().parseHex(answer.get("CHAP_R").substring(2)));
        assertTrue(chap.authenticated());
    }

    @Test
    void refusals() throws Exception {
        ChapAuthenticator noMutual = new ChapAuthenticator(Optional.of(INITIATOR), Optional.empty());
        assertThrows(LoginException.class, () -> login(noMutual, "5", "MD5", INITIATOR.secret(),
                Map.of("CHAP_I", "1", "CHAP_C", "0x0102030405060708090a0b0c0d0e0f10")));
        ChapAuthenticator required = new ChapAuthenticator(Optional.of(INITIATOR), Optional.empty());
        assertThrows(LoginException.class, () -> required.answer(Map.of("AuthMethod", "None")));
        ChapAuthenticator unknownAlgorithm = new ChapAuthenticator(Optional.of(INITIATOR), Optional.empty());
        unknownAlgorithm.answer(Map.of("AuthMethod", "CHAP"));
        assertThrows(LoginException.class, () -> unknownAlgorithm.answer(Map.of("CHAP_A", "42")));
        ChapAuthenticator open = new ChapAuthenticator(Optional.empty(), Optional.empty());
        assertTrue(open.authenticated());
        assertEquals("None", open.answer(Map.of("AuthMethod", "CHAP,None")).get("AuthMethod"));
    }
}
