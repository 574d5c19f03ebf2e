package org.snapshare.iscsi;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.iscsi.scsi.DataBuffers;

/**
 * Accepts iSCSI connections on one portal and serves each on its own thread,
 * so any number of initiators and sessions run side by side, within the
 * {@link ConnectionLimits}.
 */
public final class IscsiServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(IscsiServer.class);
    /** At most one refusal a second is logged: a flood must not become a flood of log lines. */
    private static final long REFUSAL_LOG_INTERVAL_NANOS = 1_000_000_000L;

    private final TargetRegistry registry;
    private final ConnectionLimits limits;
    private final PendingLogins pendingLogins;
    private final ScheduledExecutorService timers;
    private final AtomicLong lastRefusalLogged = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);
    private final ServerSocketChannel listener;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sessionHandles = new AtomicInteger();
    private final Thread acceptor;

    /** Binds the portal with the default limits; connections are accepted once {@link #start()} is called. */
    public IscsiServer(InetSocketAddress portal, TargetRegistry registry) throws IOException {
        this(portal, registry, ConnectionLimits.defaults());
    }

    /**
     * Binds the portal; connections are accepted once {@link #start()} is called. The buffer
     * memory limit applies to the JVM's one pool of command buffers.
     */
    public IscsiServer(InetSocketAddress portal, TargetRegistry registry, ConnectionLimits limits)
            throws IOException {
        this.registry = registry;
        this.limits = limits;
        this.pendingLogins = new PendingLogins(limits.maxPendingLogins(), limits.maxPendingLoginsPerAddress());
        DataBuffers.SHARED.budget(limits.bufferMemory());
        this.listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            listener.bind(portal, 64);
        } catch (IOException e) {
            listener.close();
            throw new IOException("cannot listen on " + portal + ": " + e.getMessage(), e);
        }
        this.acceptor = new Thread(this::acceptLoop, "iscsi-accept");
        this.timers = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "iscsi-timers");
            thread.setDaemon(true);
            return thread;
        });
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
            if (connections.size() >= limits.maxConnections()) {
                refuse(socket, limits.maxConnections() + " connections open (max-connections)");
                continue;
            }
            InetAddress address = remoteAddress(socket);
            String busy = address == null ? "its address is unknown" : pendingLogins.tryEnter(address);
            if (busy != null) {
                refuse(socket, busy);
                continue;
            }
            serve(socket, address);
        }
    }

    private void refuse(SocketChannel socket, String why) {
        long now = System.nanoTime();
        long last = lastRefusalLogged.get();
        if (now - last >= REFUSAL_LOG_INTERVAL_NANOS && lastRefusalLogged.compareAndSet(last, now)) {
            LOG.warn("refusing connection from {}: {} (further refusals this second are not logged)",
                    Connection.peer(socket), why);
        }
        closeQuietly(socket);
    }

    private static InetAddress remoteAddress(SocketChannel socket) {
        try {
            return ((InetSocketAddress) socket.getRemoteAddress()).getAddress();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Connections that have not finished their login now. */
    int pendingLoginCount() {
        return pendingLogins.total();
    }

    private void serve(SocketChannel socket, InetAddress address) {
        int tsih = sessionHandles.updateAndGet(h -> (h % 0xffff) + 1); // never 0
        Connection[] self = new Connection[1];
        Connection connection = new Connection(socket, registry, tsih, limits, timers,
                () -> pendingLogins.leave(address), () -> connections.remove(self[0]));
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
        timers.shutdownNow();
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
