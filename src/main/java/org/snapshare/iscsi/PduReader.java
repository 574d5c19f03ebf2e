package org.snapshare.iscsi;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;

/** Reads whole PDUs from a connection, enforcing the negotiated segment limit. */
final class PduReader {

    private static final int READ_AHEAD = 64 << 10;

    private final ChannelInput in;
    private volatile int maxDataSegmentLength;
    private volatile boolean headerDigest;
    private volatile boolean dataDigest;

    PduReader(ReadableByteChannel in, int maxDataSegmentLength) {
        this.in = new ChannelInput(in, READ_AHEAD);
        this.maxDataSegmentLength = maxDataSegmentLength;
    }

    PduReader(InputStream in, int maxDataSegmentLength) {
        this(Channels.newChannel(in), maxDataSegmentLength);
    }

    /** The largest data segment accepted from now on (our MaxRecvDataSegmentLength). */
    void maxDataSegmentLength(int length) {
        this.maxDataSegmentLength = length;
    }

    /** CRC32C digests from the next PDU on (after the login, when negotiated). */
    void digests(boolean header, boolean data) {
        this.headerDigest = header;
        this.dataDigest = data;
    }

    /** Where a PDU's data segment should land: a buffer of its exact length, or null. */
    @FunctionalInterface
    interface DataPlacement {
        ByteBuffer placeFor(Pdu header);
    }

    /**
     * Reads the next PDU; returns null on a clean end of stream before a header.
     * A stream that ends inside a PDU is an {@link EOFException}.
     */
    Pdu read() throws IOException, ProtocolException {
        return read(header -> null);
    }

    /** Like {@link #read()}, with the data segment read straight into where {@code placement} says (no copy). */
    Pdu read(DataPlacement placement) throws IOException, ProtocolException {
        byte[] header = new byte[Pdu.BHS_LENGTH];
        if (!in.readFirst(ByteBuffer.wrap(header))) {
            return null;
        }
        Pdu pdu = new Pdu(ByteBuffer.wrap(header), ByteBuffer.allocate(0));
        int length = pdu.dataSegmentLength();
        if (length > maxDataSegmentLength) {
            throw new ProtocolException("data segment of " + length + " bytes exceeds MaxRecvDataSegmentLength "
                    + maxDataSegmentLength);
        }
        in.skip(pdu.totalAhsWords() * 4L);
        if (headerDigest) {
            // AHS is never sent to us; the digest covers the basic header segment.
            Crc32cDigest.check(in.readInt(), ByteBuffer.wrap(header), "header");
        }
        ByteBuffer placed = length > 0 ? placement.placeFor(pdu) : null;
        ByteBuffer data = placed != null && placed.remaining() == length ? placed : ByteBuffer.allocate(length);
        in.readFully(data.duplicate());
        byte[] pad = new byte[padding(length)];
        in.readFully(ByteBuffer.wrap(pad));
        if (dataDigest && length > 0) {
            Crc32cDigest.check(in.readInt(), data.duplicate(), pad, "data");
        }
        // Keep the header's length field: data(...) would rewrite it identically.
        return pdu.data(data);
    }

    static int padding(int length) {
        return (4 - (length & 3)) & 3;
    }
}
