package org.snapshare.iscsi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The key=value text format of login and text PDUs (RFC 7143, section 6). */
final class TextParameters {

    private TextParameters() {
    }

    /** Parses NUL-separated key=value pairs, keeping their order. */
    static Map<String, String> parse(ByteBuffer segment) throws ProtocolException {
        ByteBuffer bytes = segment.duplicate();
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : new String(raw, StandardCharsets.UTF_8).split("\0")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ProtocolException("malformed text parameter '" + pair + "' (expected key=value)");
            }
            String key = pair.substring(0, eq);
            if (result.containsKey(key)) {
                throw new ProtocolException("text key " + key + " sent twice");
            }
            result.put(key, pair.substring(eq + 1));
        }
        return result;
    }

    /** Encodes pairs in order; a key may repeat (SendTargets answers do that). */
    static ByteBuffer encode(Iterable<? extends Map.Entry<String, String>> pairs) {
        StringBuilder text = new StringBuilder();
        pairs.forEach(pair -> text.append(pair.getKey()).append('=').append(pair.getValue()).append('\0'));
        return ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
