package org.snapshare.appliance;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.control.ControlProtocol;
import org.snapshare.control.ControlResponse;

/** The Unix domain socket (mode 0600) through which the CLI drives the server. */
final class ControlServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final Path path;
    private final ServerSocketChannel channel;
    private final Function<List<String>, ControlResponse> handler;
    private final Thread acceptor;

    /** Binds the socket; a stale socket file from a crashed server is replaced (the data-dir lock is held). */
    ControlServer(Path path, Function<List<String>, ControlResponse> handler) throws IOException {
        this.path = path;
        this.handler = handler;
        Files.deleteIfExists(path);
        this.channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        channel.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        this.acceptor = new Thread(this::acceptLoop, "control-accept");
        acceptor.setDaemon(true);
    }

    void start() {
        acceptor.start();
    }

    private void acceptLoop() {
        while (channel.isOpen()) {
            try {
                SocketChannel client = channel.accept();
                Thread worker = new Thread(() -> serve(client), "control-request");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                if (channel.isOpen()) {
                    LOG.error("control socket accept failed", e);
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
            Writer out = new OutputStreamWriter(Channels.newOutputStream(client), StandardCharsets.UTF_8);
            ControlResponse response;
            try {
                response = handler.apply(ControlProtocol.readRequest(in));
            } catch (IOException e) {
                response = ControlResponse.error(e.getMessage());
            }
            ControlProtocol.writeResponse(out, response);
        } catch (IOException | RuntimeException e) {
            LOG.warn("control request failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        Files.deleteIfExists(path);
    }
}
