package org.snapshare.control;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
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
        return exchange(arguments, null, OutputStream.nullOutputStream());
    }

    /**
     * Sends the body beside the reading of the response: a server that
     * refuses a stream at its header answers at once, and the rest is not
     * sent (the broken pipe that stops the sender is expected then).
     */
    private static final class BodySender extends Thread {

        private final InputStream body;
        private final OutputStream out;
        private final SocketChannel channel;
        private volatile IOException failure;
        /** Reading the body failed (not sending it): the user must hear of it whatever the server answered. */
        private volatile IOException readFailure;

        BodySender(InputStream body, OutputStream out, SocketChannel channel) {
            super("control-body");
            setDaemon(true);
            this.body = body;
            this.out = out;
            this.channel = channel;
        }

        @Override
        public void run() {
            try {
                copyBody();
                out.flush();
                channel.shutdownOutput();
            } catch (IOException e) {
                failure = e;
                try {
                    channel.shutdownOutput(); // the server sees the body end and answers, instead of waiting on
                } catch (IOException closed) {
                    // the connection is gone: the response read fails and says so
                }
            }
        }

        private void copyBody() throws IOException {
            byte[] buffer = new byte[1 << 16];
            while (true) {
                int n;
                try {
                    n = body.read(buffer);
                } catch (IOException e) {
                    readFailure = e;
                    throw e;
                }
                if (n < 0) {
                    return;
                }
                out.write(buffer, 0, n);
            }
        }

        /** Waits for the body to be sent; a failure to send matters only when the server answered OK. */
        void join(ControlResponse response) throws IOException {
            try {
                if (response.ok) {
                    join();
                } else {
                    channel.shutdownOutput(); // the server refused: the rest of the body is of no use
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending", e);
            }
            if (readFailure != null) {
                throw new IOException("reading what was to be sent failed: " + readFailure.getMessage(), readFailure);
            }
            if (response.ok && failure != null) {
                throw new IOException("sending to the server failed: " + failure.getMessage(), failure);
            }
        }
    }

    /**
     * Sends the request, then {@code body}'s bytes to its end (an import's
     * stream; null when the request has none, and no thread is started to
     * send it); a STREAM response's bytes go to {@code sink} (an export's).
     */
    public ControlResponse exchange(List<String> arguments, InputStream body, OutputStream sink) throws IOException {
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
            OutputStream out = new BufferedOutputStream(ChannelStreams.output(channel), 1 << 16);
            ControlProtocol.writeRequest(out, arguments);
            BodySender sender = null;
            if (body == null) {
                out.flush();
                channel.shutdownOutput();
            } else {
                sender = new BodySender(body, out, channel);
                sender.start();
            }
            ControlResponse response;
            try {
                response = ControlProtocol.readResponse(
                        new BufferedInputStream(ChannelStreams.input(channel), 1 << 16), sink);
            } catch (SocketException e) {
                throw new IOException(ControlProtocol.NO_ANSWER + " [" + e.getMessage() + "]", e);
            }
            if (sender != null) {
                sender.join(response);
            }
            return response;
        }
    }
}
