package org.snapshare.stream;

import java.nio.ByteBuffer;
/**
 * One record: {@code length} bytes of the volume from {@code offset} (data:
 * the payload; zeros: no payload), or the header or end record with its
 * payload. {@code bytes} is the record as it travels, head and payload.
 */
public record StreamRecord(RecordType type, long offset, long length, byte[] bytes) {

    /** The payload: what follows the record's head. */
    public ByteBuffer payload() {
        return ByteBuffer.wrap(bytes, RecordCodec.HEAD_BYTES, bytes.length - RecordCodec.HEAD_BYTES);
    }

    public long end() {
        return offset + length;
    }
}
