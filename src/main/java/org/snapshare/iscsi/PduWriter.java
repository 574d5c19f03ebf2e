package org.snapshare.iscsi;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Writes PDUs to a connection; one PDU at a time so concurrent senders never interleave. */
final class PduWriter {

    private static final byte[] PAD = new byte[4];
    private final OutputStream out;

    PduWriter(OutputStream out) {
        this.out = out;
    }

    synchronized void write(Pdu pdu) throws IOException {
        ByteBuffer header = pdu.headerBytes();
        out.write(header.array(), header.arrayOffset(), Pdu.BHS_LENGTH);
        ByteBuffer data = pdu.data();
        int length = data.remaining();
        if (data.hasArray()) {
            out.write(data.array(), data.arrayOffset() + data.position(), length);
        } else {
            byte[] copy = new byte[length];
            data.get(copy);
            out.write(copy);
        }
        out.write(PAD, 0, PduReader.padding(length));
        out.flush();
    }
}
