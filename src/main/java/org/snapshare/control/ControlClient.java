package org.snapshare.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Sends one request to a running server's control socket. */
public final class ControlClient {

    private final Path dataDir;
    private final Path socket;

    /** The client of the server on {@code dataDir} listening at {@code socket} (see ControlProtocol.socketPath). */
    public ControlClient(Path dataDir, Path socket) {
        this.dataDir = dataDir;
        this.socket = socket;
    }

    public ControlResponse send(List<String> arguments) throws IOException {
        String notRunning = "no snapshare server is running on data dir " + dataDir
                + " (no control socket at " + socket + "); start one with: snapshare serve --data-dir " + dataDir;
        if (!Files.exists(socket)) {
            throw new IOException(notRunning);
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException(notRunning + " [" + e.getMessage() + "]", e);
            }
            Writer out = new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8);
            ControlProtocol.writeRequest(out, arguments);
            channel.shutdownOutput();
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            return ControlProtocol.readResponse(in);
        }
    }
}
