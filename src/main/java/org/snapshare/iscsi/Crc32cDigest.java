package org.snapshare.iscsi;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * iSCSI header and data digests (RFC 7143, 13.1 and appendix B): CRC32C over
 * the header, or over the data segment with its padding, sent as four bytes
 * least significant first, as Linux and libiscsi do.
 */
final class Crc32cDigest {

    private Crc32cDigest() {
    }

    static int of(ByteBuffer... parts) {
        CRC32C crc = new CRC32C();
        for (ByteBuffer part : parts) {
            crc.update(part.duplicate());
        }
        return (int) crc.getValue();
    }

    static byte[] wire(int crc) {
        return new byte[] {(byte) crc, (byte) (crc >>> 8), (byte) (crc >>> 16), (byte) (crc >>> 24)};
    }

    /** {@code received}: the four digest bytes as DataInputStream.readInt() gives them (big-endian). */
    static void check(int received, ByteBuffer covered, String what) throws ProtocolException {
        check(received, covered, new byte[0], what);
    }

    static void check(int received, ByteBuffer covered, byte[] padding, String what) throws ProtocolException {
        int expected = of(covered, ByteBuffer.wrap(padding));
        if (Integer.reverseBytes(received) != expected) {
            throw new ProtocolException(what + " digest mismatch (CRC32C): the PDU was damaged in transit");
        }
    }
}
