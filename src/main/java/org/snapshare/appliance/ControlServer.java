package org.snapshare.appliance;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.control.ChannelStreams;
import org.snapshare.control.ControlProtocol;
import org.snapshare.control.ControlResponse;

/** The Unix domain socket (mode 0600) through which the CLI drives the server. */
final class ControlServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final Path path;
    private final ServerSocketChannel channel;
    private final Function<ControlExchange, ControlResponse> handler;
    private final Thread acceptor;

    /** Binds the socket; a stale socket file from a crashed server is replaced (the data-dir lock is held). */
    ControlServer(Path path, Function<ControlExchange, ControlResponse> handler) throws IOException {
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
            InputStream in = new BufferedInputStream(ChannelStreams.input(client), 1 << 16);
            OutputStream out = new BufferedOutputStream(ChannelStreams.output(client), 1 << 16);
            ControlExchange exchange = null;
            ControlResponse response;
            try {
                exchange = new ControlExchange(ControlProtocol.readRequest(in), in, out);
                response = handler.apply(exchange);
            } catch (IOException e) {
                response = ControlResponse.error(e.getMessage());
            }
            if (exchange != null && exchange.streaming()) {
                ControlProtocol.endStream(out, response);
            } else {
                ControlProtocol.writeResponse(out, response);
            }
            // The client reads the answer to a clean end, then stops sending what is left of a refused stream;
            // closing before it stopped would reset the connection under the answer.
            client.shutdownOutput();
            in.transferTo(OutputStream.nullOutputStream());
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
