package org.snapshare.iscsi;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One initiator connection: login, then full feature phase, on its own thread. */
final class Connection implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final int STREAM_BUFFER = 256 << 10;
    /** Our MaxRecvDataSegmentLength: the largest data segment we accept. */
    static final int MAX_RECV_DATA_SEGMENT_LENGTH = 256 << 10;
    /** Before login negotiates it, RFC 7143 caps segments at 8 KiB. */
    private static final int LOGIN_SEGMENT_LIMIT = 8192;

    private final Socket socket;
    private final TargetRegistry registry;
    private final int tsih;
    private final Runnable onClose;

    Connection(Socket socket, TargetRegistry registry, int tsih, Runnable onClose) {
        this.socket = socket;
        this.registry = registry;
        this.tsih = tsih;
        this.onClose = onClose;
    }

    @Override
    public void run() {
        String peer = String.valueOf(socket.getRemoteSocketAddress());
        LoginPhase.Result session = null;
        try {
            socket.setTcpNoDelay(true);
            PduReader reader = new PduReader(new BufferedInputStream(socket.getInputStream(), STREAM_BUFFER),
                    LOGIN_SEGMENT_LIMIT);
            PduWriter writer = new PduWriter(new BufferedOutputStream(socket.getOutputStream(), STREAM_BUFFER));
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
            InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
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

    /** Ends the connection; its thread sees end of stream and finishes. */
    void close() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing socket", e);
        }
    }
}
