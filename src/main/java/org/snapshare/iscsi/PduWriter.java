package org.snapshare.iscsi;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes PDUs to a connection; one PDU at a time so concurrent senders never
 * interleave. A PDU's parts (header, digests, data, padding) go out with one
 * gathering write where the channel takes one: the data straight from its
 * buffer, without a copy when that is direct.
 */
final class PduWriter {

    private static final ByteBuffer PAD = ByteBuffer.allocate(4);
    private final WritableByteChannel out;
    private volatile boolean headerDigest;
    private volatile boolean dataDigest;

    PduWriter(WritableByteChannel out) {
        this.out = out;
    }

    PduWriter(OutputStream out) {
        this(Channels.newChannel(out));
    }

    /** CRC32C digests from the next PDU on (after the login response that ends the login). */
    void digests(boolean header, boolean data) {
        this.headerDigest = header;
        this.dataDigest = data;
    }

    synchronized void write(Pdu pdu) throws IOException {
        ByteBuffer header = pdu.headerBytes().duplicate().position(0).limit(Pdu.BHS_LENGTH);
        ByteBuffer data = pdu.data().duplicate();
        int length = data.remaining();
        ByteBuffer pad = PAD.duplicate().limit(PduReader.padding(length));
        ByteBuffer[] parts = {
            header,
            headerDigest ? digest(header) : PAD.duplicate().limit(0),
            data,
            pad,
            dataDigest && length > 0 ? digest(data, pad) : PAD.duplicate().limit(0),
        };
        writeAll(parts);
    }

    private static ByteBuffer digest(ByteBuffer... covered) {
        return ByteBuffer.wrap(Crc32cDigest.wire(Crc32cDigest.of(covered)));
    }

    private void writeAll(ByteBuffer[] parts) throws IOException {
        if (out instanceof GatheringByteChannel gathering) {
            long left = 0;
            for (ByteBuffer part : parts) {
                left += part.remaining();
            }
            while (left > 0) {
                left -= gathering.write(parts);
            }
            return;
        }
        for (ByteBuffer part : parts) {
            while (part.hasRemaining()) {
                out.write(part);
            }
        }
    }
}
