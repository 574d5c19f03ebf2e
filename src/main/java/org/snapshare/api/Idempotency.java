package org.snapshare.api;

import io.javalin.http.Context;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Creates made safe to retry: a POST with an {@code Idempotency-Key}
 * header is answered once; the same key again (from the same token, with
 * the same body, within {@link #KEEP_MILLIS}) gets the first answer, not a
 * second create; the same key with another body is refused (422). In memory,
 * at most {@link #KEYS} keys.
 */
final class Idempotency {

    static final String HEADER = "Idempotency-Key";
    static final int KEYS = 1000;
    static final int MAX_KEY_LENGTH = 200;
    static final long KEEP_MILLIS = 24 * 3600 * 1000L;

    /** A first answer, replayed for a retry. */
    record Answer(int status, String contentType, String body, String location) {
    }

    private record Entry(byte[] requestDigest, Answer answer, long madeMillis) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** The request's key (scoped by its token), if it has one. */
    static Optional<String> key(Context ctx, String tokenName) {
        String key = ctx.header(HEADER);
        if (key == null) {
            return Optional.empty();
        }
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            throw new ApiProblem(400, Problems.title(400), HEADER + " must be 1 to " + MAX_KEY_LENGTH
                    + " characters");
        }
        return Optional.of(tokenName + "\n" + key);
    }

    /** The first answer to this key, if it was seen with this body; a problem if with another body. */
    synchronized Optional<Answer> replay(String key, byte[] body, long nowMillis) {
        forgetOld(nowMillis);
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (!Arrays.equals(entry.requestDigest(), digest(body))) {
            throw new ApiProblem(422, Problems.title(422), "this " + HEADER + " was used for another request"
                    + " body; use a new key for a new request");
        }
        return Optional.of(entry.answer());
    }

    synchronized void remember(String key, byte[] body, Answer answer, long nowMillis) {
        forgetOld(nowMillis);
        if (entries.size() >= KEYS) {
            Iterator<Entry> oldest = entries.values().iterator();
            oldest.next();
            oldest.remove();
        }
        entries.put(key, new Entry(digest(body), answer, nowMillis));
    }

    private void forgetOld(long nowMillis) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext();) {
            if (nowMillis - it.next().madeMillis() > KEEP_MILLIS) {
                it.remove();
            } else {
                break; // in order of making
            }
        }
    }

    private static byte[] digest(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
