package org.snapshare.iscsi;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Writes PDUs to a connection; one PDU at a time so concurrent senders never interleave. */
final class PduWriter {

    private static final byte[] PAD = new byte[4];
    private final OutputStream out;
    private volatile boolean headerDigest;
    private volatile boolean dataDigest;

    PduWriter(OutputStream out) {
        this.out = out;
    }

    /** CRC32C digests from the next PDU on (after the login response that ends the login). */
    void digests(boolean header, boolean data) {
        this.headerDigest = header;
        this.dataDigest = data;
    }

    synchronized void write(Pdu pdu) throws IOException {
        ByteBuffer header = pdu.headerBytes();
        out.write(header.array(), header.arrayOffset(), Pdu.BHS_LENGTH);
        if (headerDigest) {
            writeDigest(Crc32cDigest.of(header.duplicate().position(0).limit(Pdu.BHS_LENGTH)));
        }
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
        if (dataDigest && length > 0) {
            writeDigest(Crc32cDigest.of(pdu.data(), ByteBuffer.wrap(PAD, 0, PduReader.padding(length))));
        }
        out.flush();
    }

    private void writeDigest(int crc) throws IOException {
        out.write(Crc32cDigest.wire(crc));
    }
}
