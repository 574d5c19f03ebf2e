package org.snapshare.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;
import org.snapshare.device.DurableFiles;

/**
 * The API's bearer tokens (docs/API.md): each has a name, a role, and a
 * secret that is shown once and kept only as a salted PBKDF2-SHA256 hash in
 * {@code api/tokens} of the data directory. A token reads
 * {@code snapshare_<id>_<secret>}: the id finds its line, so a wrong
 * token costs at most one hash.
 */
public final class ApiTokens {

    /** A token as listed: never its secret. */
    public record Token(String name, ApiRole role, Instant created) {
    }

    private record Entry(Token token, String id, byte[] salt, byte[] hash) {
    }

    static final String FILE = "tokens";
    private static final int ITERATIONS = 50_000;
    private static final int SECRET_BYTES = 32;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Exactly what {@link #create} makes; anything else is refused before any hashing. */
    private static final Pattern SHAPE = Pattern.compile("snapshare_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");

    private final Path file;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> byName = new TreeMap<>();
    /** Tokens proven since start, by id: the SHA-256 of the whole token, so a repeat costs no PBKDF2. */
    private final Map<String, byte[]> proven = new HashMap<>();

    private ApiTokens(Path file) {
        this.file = file;
    }

    /** The tokens of the data directory's {@code api} folder (none yet if it has no file). */
    public static ApiTokens open(Path apiDir) throws IOException {
        ApiTokens tokens = new ApiTokens(apiDir.resolve(FILE));
        tokens.load();
        return tokens;
    }

    private void load() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return;
        }
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(" ");
            try {
                Base64.Decoder base64 = Base64.getDecoder();
                Token token = new Token(fields[0], ApiRole.parse(fields[1]), Instant.parse(fields[5]));
                byName.put(token.name(), new Entry(token, fields[2], base64.decode(fields[3]),
                        base64.decode(fields[4])));
            } catch (RuntimeException | ConfigException e) {
                throw new IOException("API token file " + file + " has a malformed line (" + e.getMessage()
                        + "); remove the line, or the file to revoke every token", e);
            }
        }
    }

    /** Makes a token; its full text, which is shown once and never stored. */
    public synchronized String create(String name, ApiRole role) throws ConfigException, IOException {
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException("token name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'"
                    + " and start with a letter or digit");
        }
        if (byName.containsKey(name)) {
            throw new ConfigException(ConfigException.Reason.CONFLICT, "a token named " + name + " exists; revoke"
                    + " it first (`snapshare token revoke " + name + "`) or choose another name");
        }
        byte[] idBytes = new byte[8];
        byte[] secretBytes = new byte[SECRET_BYTES];
        byte[] salt = new byte[16];
        random.nextBytes(idBytes);
        random.nextBytes(secretBytes);
        random.nextBytes(salt);
        String id = HexFormat.of().formatHex(idBytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        Entry entry = new Entry(new Token(name, role, Instant.now()), id, salt, hash(secret, salt));
        byName.put(name, entry);
        try {
            save();
        } catch (IOException e) {
            byName.remove(name);
            throw e;
        }
        return "snapshare_" + id + "_" + secret;
    }

    public synchronized List<Token> list() {
        List<Token> tokens = new ArrayList<>();
        byName.values().forEach(entry -> tokens.add(entry.token()));
        return tokens;
    }

    public synchronized void revoke(String name) throws ConfigException, IOException {
        Entry entry = byName.remove(name);
        if (entry == null) {
            throw new ConfigException(ConfigException.Reason.NOT_FOUND, "no token named " + name
                    + "; `snapshare token list` shows them");
        }
        proven.remove(entry.id());
        save();
    }

    /** The token this bearer text is, if it is one of ours; empty for anything else. */
    public Optional<Token> authenticate(String text) {
        var match = SHAPE.matcher(text);
        if (!match.matches()) {
            return Optional.empty();
        }
        String id = match.group(1);
        Entry entry;
        byte[] known;
        synchronized (this) {
            entry = byName.values().stream().filter(e -> e.id().equals(id)).findFirst().orElse(null);
            known = proven.get(id);
        }
        if (entry == null) {
            return Optional.empty();
        }
        byte[] digest = sha256(text);
        if (known != null && MessageDigest.isEqual(known, digest)) {
            return Optional.of(entry.token());
        }
        if (!MessageDigest.isEqual(entry.hash(), hash(match.group(2), entry.salt()))) {
            return Optional.empty();
        }
        synchronized (this) {
            if (byName.get(entry.token().name()) != entry) {
                return Optional.empty(); // revoked while it was being hashed
            }
            proven.put(id, digest);
        }
        return Optional.of(entry.token());
    }

    private void save() throws IOException {
        StringBuilder text = new StringBuilder();
        Base64.Encoder base64 = Base64.getEncoder();
        for (Entry entry : byName.values()) {
            text.append(entry.token().name()).append(' ').append(entry.token().role().word()).append(' ')
                    .append(entry.id()).append(' ').append(base64.encodeToString(entry.salt())).append(' ')
                    .append(base64.encodeToString(entry.hash())).append(' ').append(entry.token().created())
                    .append('\n');
        }
        PrivateFiles.createDirectory(file.getParent());
        DurableFiles.replace(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hash(String secret, byte[] salt) {
        PKCS5S2ParametersGenerator generator = new PKCS5S2ParametersGenerator(new SHA256Digest());
        generator.init(secret.getBytes(StandardCharsets.US_ASCII), salt, ITERATIONS);
        return ((KeyParameter) generator.generateDerivedMacParameters(256)).getKey();
    }

    private static byte[] sha256(String text) {
        SHA256Digest digest = new SHA256Digest();
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        digest.update(bytes, 0, bytes.length);
        byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return out;
    }
}
