package org.snapshare.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** The record head of docs/STREAM.md: where each field sits, and the record's checksum. */
final class RecordCodec {

    static final int MAGIC = ByteBuffer.wrap("SSRC".getBytes(StandardCharsets.US_ASCII)).getInt();
    static final int MAGIC_OFFSET = 0;
    static final int TYPE_OFFSET = 4;
    static final int OFFSET_OFFSET = 8;
    static final int LENGTH_OFFSET = 16;
    static final int PAYLOAD_LENGTH_OFFSET = 24;
    static final int CRC_OFFSET = 28;
    static final int HEAD_BYTES = 32;
    /** The largest payload a record may carry: data records hold at most this many bytes. */
    static final int MAX_PAYLOAD = 1 << 20;
    /** The end record: records, bytes covered, CRC32C of the stream before it. */
    static final int END_PAYLOAD_BYTES = 8 + 8 + 4;

    private RecordCodec() {
    }

    /** A whole record, head and payload, with its checksum. */
    static byte[] encode(RecordType type, long offset, long length, ByteBuffer payload) {
        int payloadBytes = payload.remaining();
        if (payloadBytes > MAX_PAYLOAD) {
            throw new IllegalArgumentException("record payload of " + payloadBytes + " bytes");
        }
        ByteBuffer record = ByteBuffer.allocate(HEAD_BYTES + payloadBytes);
        record.putInt(MAGIC_OFFSET, MAGIC).put(TYPE_OFFSET, (byte) type.code).putLong(OFFSET_OFFSET, offset)
                .putLong(LENGTH_OFFSET, length).putInt(PAYLOAD_LENGTH_OFFSET, payloadBytes);
        record.put(HEAD_BYTES, payload.duplicate(), 0, payloadBytes);
        record.putInt(CRC_OFFSET, checksum(record.array()));
        return record.array();
    }

    /** CRC32C of the head before its checksum field, then of the payload. */
    static int checksum(byte[] record) {
        CRC32C crc = new CRC32C();
        crc.update(record, 0, CRC_OFFSET);
        crc.update(record, HEAD_BYTES, record.length - HEAD_BYTES);
        return (int) crc.getValue();
    }
}
