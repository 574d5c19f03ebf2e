package org.snapshare.appliance;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.snapshare.device.DurableFiles;

/**
 * Where a volume's scheduled snapshots are replicated to (docs/SCHEDULES.md,
 * Replication): the other snapshare's API URL, the file holding a token for
 * it (read at every send, so it can be rotated), the pinned SHA-256
 * fingerprint of its certificate (or empty: the system's CAs), and the
 * retention kept there (or empty: the remote keeps everything). Kept in
 * the volume's {@code replication} file.
 */
public record ReplicationSettings(String url, Path tokenFile, Optional<String> fingerprint,
        Optional<SchedulePolicy> keep) {

    static final String FILE = "replication";
    private static final String FINGERPRINT = "([0-9A-F]{2}:){31}[0-9A-F]{2}";

    /** Checks every part as the user gave it. */
    public static ReplicationSettings of(String url, Path tokenFile, Optional<String> fingerprint,
            Optional<String> keep) throws ConfigException {
        if (!url.matches("https://[A-Za-z0-9.\\-\\[\\]:]+(:[0-9]{1,5})?/?")) {
            throw new ConfigException("--to '" + url + "' must be the other server's API, https://HOST:PORT");
        }
        Optional<String> pinned = fingerprint.map(f -> f.toUpperCase(Locale.ROOT));
        if (pinned.isPresent() && !pinned.get().matches(FINGERPRINT)) {
            throw new ConfigException("--fingerprint must be the SHA-256 fingerprint `token create` printed on the"
                    + " other server (32 hex bytes separated by ':')");
        }
        Optional<SchedulePolicy> policy = keep.isEmpty() ? Optional.empty()
                : Optional.of(SchedulePolicy.parse(keep.get()));
        return new ReplicationSettings(url.replaceAll("/$", ""), tokenFile.toAbsolutePath(), pinned, policy);
    }

    /** The token in the token file, trimmed. */
    String token() throws ConfigException {
        try {
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            if (token.isEmpty() || token.length() > 200 || token.contains("\n")) {
                throw new ConfigException("token file " + tokenFile + " must hold one token, from `snapshare token"
                        + " create NAME --role admin` on the other server");
            }
            return token;
        } catch (IOException e) {
            throw new ConfigException("cannot read the replication token file " + tokenFile + ": " + e.getMessage()
                    + " (the server's user must be able to read it)");
        }
    }

    static Optional<ReplicationSettings> read(Path volumeDir) throws ConfigException, IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(volumeDir.resolve(FILE), StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(of(properties.getProperty("to", ""), Path.of(properties.getProperty("token-file", "")),
                Optional.ofNullable(properties.getProperty("fingerprint")),
                Optional.ofNullable(properties.getProperty("keep"))));
    }

    void write(Path volumeDir) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("to", url);
        properties.setProperty("token-file", tokenFile.toString());
        fingerprint.ifPresent(f -> properties.setProperty("fingerprint", f));
        keep.ifPresent(k -> properties.setProperty("keep", k.text()));
        StringWriter text = new StringWriter();
        properties.store(text, "replication of this volume's scheduled snapshots (snapshare replicate set)");
        DurableFiles.replace(volumeDir.resolve(FILE), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    static boolean remove(Path volumeDir) throws IOException {
        return DurableFiles.remove(volumeDir.resolve(FILE));
    }
}
