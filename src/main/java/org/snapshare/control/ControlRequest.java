package org.snapshare.control;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request on the control socket, as the CLI builds it and the server
 * reads it: the command's words (group and verb, e.g. "volume create"),
 * then its names in order, then only the options the user gave, by name
 * ("--size=1073741824"; a flag has no value). Names never start with "--"
 * (volume, snapshot and token names start with a letter or digit).
 */
public final class ControlRequest {

    private static final String OPTION = "--";

    private final List<String> words;
    private final Map<String, String> options;

    private ControlRequest(List<String> words, Map<String, String> options) {
        this.words = words;
        this.options = options;
    }

    /** A request of these words: the command (one or two words), then its names. */
    public static ControlRequest of(List<String> words) {
        return new ControlRequest(List.copyOf(words), new TreeMap<>());
    }

    public static ControlRequest of(String... words) {
        return of(List.of(words));
    }

    /** This request with option {@code name} set to {@code value}, if there is one. */
    public ControlRequest with(String name, Optional<String> value) {
        Map<String, String> more = new TreeMap<>(options);
        value.ifPresent(v -> more.put(name, v));
        return new ControlRequest(words, more);
    }

    /** This request with flag {@code name} if {@code set}. */
    public ControlRequest withFlag(String name, boolean set) {
        return with(name, set ? Optional.of("") : Optional.empty());
    }

    /** The words as they travel. */
    public List<String> encode() {
        List<String> encoded = new ArrayList<>(words);
        options.forEach((name, value) -> encoded.add(OPTION + name + "=" + value));
        return encoded;
    }

    /** A request as it arrived; a part that is neither a word nor "--name=value" is refused. */
    public static ControlRequest decode(List<String> parts) {
        List<String> words = new ArrayList<>();
        Map<String, String> options = new TreeMap<>();
        for (String part : parts) {
            if (part.startsWith(OPTION)) {
                int equals = part.indexOf('=');
                if (equals < 0) {
                    throw new IllegalArgumentException("malformed option '" + part + "' in a control request");
                }
                options.put(part.substring(OPTION.length(), equals), part.substring(equals + 1));
            } else if (!options.isEmpty()) {
                throw new IllegalArgumentException("a name after the options in a control request: " + part);
            } else {
                words.add(part);
            }
        }
        return new ControlRequest(Collections.unmodifiableList(words), options);
    }

    /** "volume create", "status": the first two words (or the one). */
    public String command() {
        return String.join(" ", words.subList(0, Math.min(2, words.size())));
    }

    /** The names after the command, checked to be exactly {@code count}. */
    public List<String> names(int count) {
        List<String> names = words.size() <= 2 ? List.of() : words.subList(2, words.size());
        if (names.size() != count) {
            throw new IllegalArgumentException("control request '" + command() + "' takes " + count
                    + " name(s), got " + names);
        }
        return names;
    }

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    public boolean flag(String name) {
        return options.containsKey(name);
    }
}
