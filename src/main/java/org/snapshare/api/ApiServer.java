package org.snapshare.api;

import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.appliance.ApiCertificate;
import org.snapshare.appliance.Appliance;
import org.snapshare.appliance.Json;

/**
 * The HTTPS management API and console (docs/API.md): Javalin on Jetty,
 * one TLS listener, bounded in connections, threads and request size so
 * that nobody on the network can exhaust the server through it.
 */
public final class ApiServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    /** Connections open at once; more wait in the kernel's backlog. */
    static final int MAX_CONNECTIONS = 64;
    static final int MAX_THREADS = 32;
    /** A JSON request body; streams (import) are read as they come and are not bounded by it. */
    static final long MAX_REQUEST_BYTES = 64 * 1024;
    static final long IDLE_TIMEOUT_MILLIS = 30_000;

    private final Javalin app;

    private ApiServer(Javalin app) {
        this.app = app;
    }

    public static ApiServer start(Appliance appliance, InetSocketAddress listen, ApiCertificate certificate)
            throws IOException {
        ApiRoutes routes = new ApiRoutes(appliance);
        char[] storePassword = randomPassword();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_REQUEST_BYTES;
            config.jetty.threadPool = new QueuedThreadPool(MAX_THREADS, 4);
            config.jsonMapper(new JavalinJackson(Json.mapper(), false));
            config.jetty.addConnector((server, http) -> tlsConnector(server, http, listen, certificate,
                    storePassword));
            routes.install(config);
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            throw new IOException("cannot serve the API on " + listen.getHostString() + ":" + listen.getPort() + ": "
                    + rootMessage(e) + " (is another server on that port? set api-listen)", e);
        }
        LOG.info("management API at https://{}:{}/api/v1 (certificate SHA-256 {})", listen.getHostString(),
                app.port(), certificate.fingerprint());
        return new ApiServer(app);
    }

    private static ServerConnector tlsConnector(Server server, HttpConfiguration http, InetSocketAddress listen,
            ApiCertificate certificate, char[] storePassword) {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        try {
            tls.setKeyStore(certificate.keyStore(storePassword));
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        tls.setKeyStorePassword(new String(storePassword));
        tls.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        HttpConfiguration https = new HttpConfiguration(http);
        https.setSendServerVersion(false);
        https.addCustomizer(new SecureRequestCustomizer(false)); // the generated certificate names no host for SNI
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
                new HttpConnectionFactory(https));
        connector.setHost(listen.getHostString());
        connector.setPort(listen.getPort());
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        return connector;
    }

    /** The in-memory key store's password: it never leaves the process, so a fresh random one each start. */
    private static char[] randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes).toCharArray();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /** The port it listens on (tests ask for port 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
