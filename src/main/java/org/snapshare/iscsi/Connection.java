package org.snapshare.iscsi;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One initiator connection: login, then full feature phase, on its own thread. */
final class Connection implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    /** Our MaxRecvDataSegmentLength: the largest data segment we accept. */
    static final int MAX_RECV_DATA_SEGMENT_LENGTH = 256 << 10;
    /** Before login negotiates it, RFC 7143 caps segments at 8 KiB. */
    private static final int LOGIN_SEGMENT_LIMIT = 8192;

    private final SocketChannel socket;
    private final TargetRegistry registry;
    private final int tsih;
    private final ConnectionLimits limits;
    private final ScheduledExecutorService timers;
    private final Runnable onLoginEnded;
    private final Runnable onClose;
    /** The session once logged in to a target; null before, and for discovery. */
    private volatile SessionInfo info;

    /**
     * {@code onLoginEnded} runs once, when the login succeeded or the connection ended before it did;
     * {@code onClose} when the connection is gone.
     */
    Connection(SocketChannel socket, TargetRegistry registry, int tsih, ConnectionLimits limits,
            ScheduledExecutorService timers, Runnable onLoginEnded, Runnable onClose) {
        this.socket = socket;
        this.registry = registry;
        this.tsih = tsih;
        this.limits = limits;
        this.timers = timers;
        this.onLoginEnded = onLoginEnded;
        this.onClose = onClose;
    }

    SessionInfo info() {
        return info;
    }

    @Override
    public void run() {
        String peer = peer(socket);
        LoginPhase.Result session = null;
        ScheduledFuture<?> loginDeadline = timers.schedule(() -> {
            LOG.info("closing connection from {}: no login within {} s", peer, limits.loginTimeout().toSeconds());
            close();
        }, limits.loginTimeout().toMillis(), TimeUnit.MILLISECONDS);
        boolean loginEnded = false;
        try {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            PduReader reader = new PduReader(socket, LOGIN_SEGMENT_LIMIT);
            PduWriter writer = new PduWriter(socket);
            Pdu first = reader.read();
            if (first == null) {
                return;
            }
            session = new LoginPhase(reader, writer, registry, tsih, MAX_RECV_DATA_SEGMENT_LENGTH,
                    limits.queueDepth()).run(first);
            if (session == null) {
                return;
            }
            loginDeadline.cancel(false);
            loginEnded = true;
            onLoginEnded.run();
            reader.digests(session.parameters.headerDigest, session.parameters.dataDigest);
            writer.digests(session.parameters.headerDigest, session.parameters.dataDigest);
            if (session.target != null) {
                info = new SessionInfo(session.target.name, session.parameters.initiatorName, session.initiatorPort,
                        peer, Instant.now(), session.parameters.headerDigest,
                        session.parameters.dataDigest);
                session.target.attach(session.initiatorPort, this);
                if (!registry.isExported(session.target)) {
                    return; // withdrawn while we logged in
                }
            }
            LOG.info("{} logged in from {} to {}{}{}", session.parameters.initiatorName, peer,
                    session.target == null ? "discovery" : session.target.name,
                    session.parameters.headerDigest ? ", header digest CRC32C" : "",
                    session.parameters.dataDigest ? ", data digest CRC32C" : "");
            InetSocketAddress local = (InetSocketAddress) socket.getLocalAddress();
            LoginPhase.Result loggedIn = session;
            new FullFeaturePhase(reader, writer, session, new TextResponder(registry, local), limits, timers,
                    this::close, () -> endNexus(loggedIn)).run();
        } catch (ProtocolException e) {
            LOG.warn("closing connection from {}: protocol error: {}", peer, e.getMessage());
        } catch (EOFException e) {
            LOG.info("connection from {} ended mid-PDU", peer);
        } catch (IOException e) {
            LOG.debug("connection from {} ended: {}", peer, e.toString());
        } catch (RuntimeException e) {
            LOG.error("closing connection from {} after an internal error", peer, e);
        } finally {
            loginDeadline.cancel(false);
            if (!loginEnded) {
                onLoginEnded.run();
            }
            endNexus(session);
            close();
            onClose.run();
        }
    }

    /** The session's I_T nexus ends (at logout, before its response; else when the connection ends). */
    private void endNexus(LoginPhase.Result session) {
        if (session != null && session.target != null) {
            session.target.detach(session.initiatorPort, this);
        }
    }

    /** The initiator's address, or what went wrong asking for it. */
    static String peer(SocketChannel socket) {
        try {
            return String.valueOf(socket.getRemoteAddress());
        } catch (IOException e) {
            return "an unknown peer (" + e.getMessage() + ")";
        }
    }

    /** Ends the connection; its thread sees end of stream and finishes. */
    void close() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing socket", e);
        }
    }
}
