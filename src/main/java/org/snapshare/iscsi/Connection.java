package org.snapshare.iscsi;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
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
    private final Runnable onClose;

    Connection(SocketChannel socket, TargetRegistry registry, int tsih, Runnable onClose) {
        this.socket = socket;
        this.registry = registry;
        this.tsih = tsih;
        this.onClose = onClose;
    }

    @Override
    public void run() {
        String peer = peer(socket);
        LoginPhase.Result session = null;
        try {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            PduReader reader = new PduReader(socket, LOGIN_SEGMENT_LIMIT);
            PduWriter writer = new PduWriter(socket);
            Pdu first = reader.read();
            if (first == null) {
                return;
            }
            session = new LoginPhase(reader, writer, registry, tsih, MAX_RECV_DATA_SEGMENT_LENGTH).run(first);
            if (session == null) {
                return;
            }
            reader.digests(session.parameters.headerDigest, session.parameters.dataDigest);
            writer.digests(session.parameters.headerDigest, session.parameters.dataDigest);
            if (session.target != null) {
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
            new FullFeaturePhase(reader, writer, session, new TextResponder(registry, local), this::close).run();
        } catch (ProtocolException e) {
            LOG.warn("closing connection from {}: protocol error: {}", peer, e.getMessage());
        } catch (EOFException e) {
            LOG.info("connection from {} ended mid-PDU", peer);
        } catch (IOException e) {
            LOG.debug("connection from {} ended: {}", peer, e.toString());
        } catch (RuntimeException e) {
            LOG.error("closing connection from {} after an internal error", peer, e);
        } finally {
            if (session != null && session.target != null) {
                session.target.detach(session.initiatorPort, this);
            }
            close();
            onClose.run();
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
