package org.snapshare.iscsi;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts iSCSI connections on one portal and serves each on its own thread,
 * so any number of initiators and sessions run side by side.
 */
public final class IscsiServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(IscsiServer.class);
    private static final int MAX_CONNECTIONS = 256;

    private final TargetRegistry registry;
    private final ServerSocketChannel listener;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sessionHandles = new AtomicInteger();
    private final Thread acceptor;

    /** Binds the portal; connections are accepted once {@link #start()} is called. */
    public IscsiServer(InetSocketAddress portal, TargetRegistry registry) throws IOException {
        this.registry = registry;
        this.listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            listener.bind(portal, 64);
        } catch (IOException e) {
            listener.close();
            throw new IOException("cannot listen on " + portal + ": " + e.getMessage(), e);
        }
        this.acceptor = new Thread(this::acceptLoop, "iscsi-accept");
    }

    public void start() {
        acceptor.start();
        LOG.info("iSCSI portal listening on {}", boundAddress());
    }

    public InetSocketAddress boundAddress() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("the portal is closed", e);
        }
    }

    public int connectionCount() {
        return connections.size();
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (listener.isOpen()) {
                    LOG.error("accept failed", e);
                }
                continue;
            }
            if (connections.size() >= MAX_CONNECTIONS) {
                LOG.warn("refusing connection from {}: {} connections open", Connection.peer(socket),
                        MAX_CONNECTIONS);
                closeQuietly(socket);
                continue;
            }
            serve(socket);
        }
    }

    private void serve(SocketChannel socket) {
        int tsih = sessionHandles.updateAndGet(h -> (h % 0xffff) + 1); // never 0
        Connection[] self = new Connection[1];
        Connection connection = new Connection(socket, registry, tsih, () -> connections.remove(self[0]));
        self[0] = connection;
        connections.add(connection);
        Thread thread = new Thread(connection, "iscsi-conn-" + Connection.peer(socket));
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops accepting and ends every connection. */
    @Override
    public void close() throws IOException {
        listener.close();
        connections.forEach(Connection::close);
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("close", e);
        }
    }
}
