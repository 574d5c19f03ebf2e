package org.snapshare.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.snapshare.stream.InterruptedImport;

/**
 * Another snapshare's API, as replication uses it (docs/API.md): its
 * snapshots, an interrupted import to resume, a stream sent in a PUT, a
 * snapshot pruned. TLS is pinned to the certificate's SHA-256 fingerprint
 * when one is given, else checked against the system's CAs.
 */
final class RemoteApi {

    /** A snapshot the other server holds. */
    record RemoteSnapshot(String name, String state) {
    }

    /** Writes a stream to {@code out}. */
    @FunctionalInterface
    interface StreamWriter {
        void write(OutputStream out) throws Exception;
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final String base;
    private final ReplicationSettings settings;

    /** A client for these settings; keep it while they hold (an HttpClient has threads of its own). */
    RemoteApi(ReplicationSettings settings) throws ConfigException {
        this.base = settings.url() + "/api/v1";
        this.settings = settings;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(TIMEOUT);
        if (settings.fingerprint().isPresent()) {
            builder.sslContext(pinned(settings.fingerprint().get()));
        }
        this.http = builder.build();
    }

    /** The volume's snapshots there; empty if the volume does not exist there. */
    Optional<List<RemoteSnapshot>> snapshots(String volume) throws IOException, InterruptedException {
        HttpResponse<String> response = send(request("/volumes/" + volume + "/snapshots?limit=1000").GET());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        List<RemoteSnapshot> list = new ArrayList<>();
        for (JsonNode snapshot : json(response)) {
            list.add(new RemoteSnapshot(snapshot.get("name").asText(), snapshot.get("state").asText()));
        }
        return Optional.of(list);
    }

    /** An import of the volume that stopped there and can be resumed, if there is one. */
    Optional<InterruptedImport> interrupted(String volume) throws IOException, InterruptedException {
        HttpResponse<String> response = send(request("/volumes/" + volume + "/import").GET());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        JsonNode state = json(response);
        return Optional.of(new InterruptedImport(state.get("snapshot").asText(),
                Optional.ofNullable(state.get("base")).filter(node -> !node.isNull()).map(JsonNode::asText),
                state.get("resume_offset").asLong()));
    }

    /** Sends the stream {@code writer} makes as an import of the volume there; its report. */
    String importStream(String volume, boolean resume, StreamWriter writer) throws Exception {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread exporter = new Thread(() -> {
            try (out) {
                writer.write(out);
            } catch (Exception e) {
                failure.set(e);
            }
        }, "replication-export-" + volume);
        exporter.setDaemon(true);
        exporter.start();
        HttpResponse<String> response;
        try {
            response = http.send(request("/volumes/" + volume + "/import" + (resume ? "?resume=true" : ""))
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> in)).timeout(Duration.ofHours(24)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } finally {
            in.close(); // the exporter stops at its next write if the request ended first
            exporter.join(TIMEOUT.toMillis());
        }
        if (failure.get() != null) {
            throw new IOException("the stream could not be made here: " + failure.get().getMessage(),
                    failure.get());
        }
        return json(response).get("report").asText();
    }

    void delete(String volume, String snapshot) throws IOException, InterruptedException {
        json(send(request("/volumes/" + volume + "/snapshots/" + snapshot).DELETE()), 202);
    }

    /** The token is read from its file for every request, so it can be rotated in place. */
    private HttpRequest.Builder request(String path) throws IOException {
        try {
            return HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                    .header("Authorization", "Bearer " + settings.token());
        } catch (ConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    ReplicationSettings settings() {
        return settings;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(HttpResponse<String> response) throws IOException {
        return json(response, 200);
    }

    /** The body of an answer with the expected status; else the other server's problem detail as the error. */
    private JsonNode json(HttpResponse<String> response, int expected) throws IOException {
        JsonNode body = response.body().isEmpty() ? null : Json.mapper().readTree(response.body());
        if (response.statusCode() != expected) {
            String detail = body != null && body.has("detail") ? body.get("detail").asText() : response.body();
            throw new IOException(response.request().method() + " " + response.uri() + " answered "
                    + response.statusCode() + ": " + detail);
        }
        return body;
    }

    /** A TLS context that trusts exactly the certificate with this SHA-256 fingerprint. */
    private static SSLContext pinned(String fingerprint) throws ConfigException {
        X509ExtendedTrustManager trust = new X509ExtendedTrustManager() {
            private void check(X509Certificate[] chain) throws CertificateException {
                try {
                    String seen = HexFormat.ofDelimiter(":").withUpperCase()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded()));
                    if (!seen.equals(fingerprint)) {
                        throw new CertificateException("the other server's certificate has"
                                + " fingerprint " + seen + ", not the pinned " + fingerprint);
                    }
                } catch (GeneralSecurityException e) {
                    throw new CertificateException(e.getMessage(), e);
                }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
                    throws CertificateException {
                check(chain);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                throw new CertificateException("replication is a client only");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                throw new CertificateException("replication is a client only");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
                    throws CertificateException {
                throw new CertificateException("replication is a client only");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("cannot set up TLS for replication: " + e.getMessage());
        }
    }
}
