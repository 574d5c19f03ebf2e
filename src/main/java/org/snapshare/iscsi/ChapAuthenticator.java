package org.snapshare.iscsi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The security stage of one login (RFC 7143, 6.2 and 12.1.3): picks the
 * AuthMethod, runs CHAP (MD5, SHA-1, SHA-256 or SHA3-256, as the initiator
 * offers) and, when the initiator sends its own challenge, answers it with
 * the target's secret (mutual CHAP). Secrets never appear in messages.
 */
final class ChapAuthenticator {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int CHALLENGE_BYTES = 32;

    private enum State { CHOOSE_METHOD, AWAIT_ALGORITHMS, AWAIT_RESPONSE, DONE }

    private final Optional<ChapSecret> required;
    private final Optional<ChapSecret> targetIdentity;
    private State state = State.CHOOSE_METHOD;
    private ChapAlgorithm algorithm;
    private int identifier;
    private byte[] challenge;

    /** {@code required}: what the initiator must prove, empty for none; {@code targetIdentity}: for mutual CHAP. */
    ChapAuthenticator(Optional<ChapSecret> required, Optional<ChapSecret> targetIdentity) {
        this.required = required;
        this.targetIdentity = targetIdentity;
    }

    /** True once the initiator may leave the security stage. */
    boolean authenticated() {
        return state == State.DONE || (state == State.CHOOSE_METHOD && required.isEmpty());
    }

    /** Answers the security keys of one login request; a failure ends the login with its status. */
    Map<String, String> answer(Map<String, String> keys) throws LoginException {
        Map<String, String> answers = new LinkedHashMap<>();
        if (keys.containsKey("AuthMethod")) {
            chooseMethod(keys.get("AuthMethod"), answers);
        }
        if (keys.containsKey("CHAP_A")) {
            chooseAlgorithm(keys.get("CHAP_A"), answers);
        }
        if (keys.containsKey("CHAP_R") || keys.containsKey("CHAP_N")) {
            verify(keys, answers);
        }
        return answers;
    }

    private void chooseMethod(String offered, Map<String, String> answers) throws LoginException {
        List<String> methods = List.of(offered.split(","));
        if (required.isEmpty() && methods.contains("None")) {
            answers.put("AuthMethod", "None");
            state = State.DONE;
        } else if (required.isPresent() && methods.contains("CHAP")) {
            answers.put("AuthMethod", "CHAP");
            state = State.AWAIT_ALGORITHMS;
        } else {
            throw LoginException.authenticationFailed("initiator offered AuthMethod=" + offered + "; this target "
                    + (required.isPresent() ? "requires CHAP" : "accepts None"));
        }
    }

    private void chooseAlgorithm(String offered, Map<String, String> answers) throws LoginException {
        expect(State.AWAIT_ALGORITHMS, "CHAP_A");
        for (String code : offered.split(",")) {
            try {
                algorithm = ChapAlgorithm.of(Integer.parseInt(code.trim()));
            } catch (NumberFormatException e) {
                algorithm = null;
            }
            if (algorithm != null) {
                break;
            }
        }
        if (algorithm == null) {
            throw LoginException.authenticationFailed("no CHAP algorithm in common (offered CHAP_A=" + offered
                    + "; supported 5 MD5, 6 SHA-1, 7 SHA-256, 8 SHA3-256)");
        }
        identifier = RANDOM.nextInt(256);
        challenge = new byte[CHALLENGE_BYTES];
        RANDOM.nextBytes(challenge);
        answers.put("CHAP_A", Integer.toString(algorithm.code));
        answers.put("CHAP_I", Integer.toString(identifier));
        answers.put("CHAP_C", "0x" + HexFormat.of().formatHex(challenge));
        state = State.AWAIT_RESPONSE;
    }

    private void verify(Map<String, String> keys, Map<String, String> answers) throws LoginException {
        expect(State.AWAIT_RESPONSE, "CHAP_R");
        ChapSecret secret = required.orElseThrow();
        String name = keys.get("CHAP_N");
        byte[] response = decode(keys.get("CHAP_R"), "CHAP_R");
        byte[] expected = algorithm.response(identifier, secret.secret().getBytes(StandardCharsets.UTF_8), challenge);
        if (!secret.user().equals(name) || !MessageDigest.isEqual(expected, response)) {
            throw LoginException.authenticationFailed("CHAP name or secret wrong for user '" + name + "'");
        }
        if (keys.containsKey("CHAP_I") || keys.containsKey("CHAP_C")) {
            answerMutual(keys, answers);
        }
        state = State.DONE;
    }

    /** The initiator challenges us back: answer with the target's own secret. */
    private void answerMutual(Map<String, String> keys, Map<String, String> answers) throws LoginException {
        ChapSecret ours = targetIdentity.orElseThrow(() -> LoginException.authenticationFailed(
                "the initiator asks for mutual CHAP, but no mutual-chap-user/secret is configured"));
        int theirIdentifier;
        try {
            theirIdentifier = Integer.parseInt(keys.getOrDefault("CHAP_I", ""));
        } catch (NumberFormatException e) {
            throw LoginException.authenticationFailed("mutual CHAP without a valid CHAP_I");
        }
        byte[] theirChallenge = decode(keys.get("CHAP_C"), "CHAP_C");
        if (MessageDigest.isEqual(theirChallenge, challenge)) {
            throw LoginException.authenticationFailed("the initiator reflected our own CHAP challenge");
        }
        byte[] response = algorithm.response(theirIdentifier, ours.secret().getBytes(StandardCharsets.UTF_8),
                theirChallenge);
        answers.put("CHAP_N", ours.user());
        answers.put("CHAP_R", "0x" + HexFormat.of().formatHex(response));
    }

    private void expect(State wanted, String key) throws LoginException {
        if (state != wanted) {
            throw LoginException.authenticationFailed(key + " out of turn in the CHAP exchange");
        }
    }

    /** CHAP binary values: 0x hex or 0b base64 (RFC 7143, 6.1). */
    private static byte[] decode(String value, String key) throws LoginException {
        try {
            if (value != null && (value.startsWith("0x") || value.startsWith("0X"))) {
                return HexFormat.of().parseHex(value.substring(2));
            }
            if (value != null && (value.startsWith("0b") || value.startsWith("0B"))) {
                return Base64.getDecoder().decode(value.substring(2));
            }
        } catch (IllegalArgumentException e) {
            // falls through to the error below
        }
        throw LoginException.authenticationFailed(key + " is not a 0x hex or 0b base64 value");
    }
}
