package org.snapshare.stream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads a stream record by record and trusts nothing: each record's
 * checksum, the order and bounds of the extents, and at the end the count,
 * the bytes covered and the checksum of the whole stream. Every error names
 * the byte of the stream where it was found.
 */
public final class StreamReader {

    private final InputStream in;
    /** A staged log has no end record: it ends where the input does. */
    private final boolean staged;
    private final CRC32C streamCrc = new CRC32C();
    private StreamHeader header;
    private long position;
    private long records;
    private long covered;
    private long lastEnd;
    private boolean ended;

    public StreamReader(InputStream in) {
        this(in, false);
    }

    private StreamReader(InputStream in, boolean staged) {
        this.in = in;
        this.staged = staged;
    }

    /** A reader of a staged log: the header and the records received, each checked again, without an end record. */
    static StreamReader ofStaged(InputStream in) {
        return new StreamReader(in, true);
    }

    /** The header record, which must come first. */
    public StreamHeader header() throws IOException {
        if (header == null) {
            StreamRecord first = read();
            if (first == null) {
                throw new StreamTruncatedException("the stream is empty: nothing was sent");
            }
            if (first.type() != RecordType.HEADER) {
                throw new StreamException("not a snapshare stream: it does not start with a header record");
            }
            header = StreamHeader.decode(first.payload());
            lastEnd = header.resumeFrom();
        }
        return header;
    }

    /** The next data or zero record, or null after a good end record (and nothing after it). */
    public StreamRecord next() throws IOException {
        header();
        long at = position;
        int crcBefore = (int) streamCrc.getValue();
        StreamRecord record = read();
        if (record == null && staged) {
            ended = true;
            return null;
        }
        if (record == null) {
            throw new StreamTruncatedException("the stream ended at byte " + at + " before its end record: it was cut"
                    + " short (the sender stopped, or the pipe broke)");
        }
        switch (record.type()) {
            case DATA, ZEROS -> {
                // offset >= lastEnd >= 0, so size - offset cannot overflow where offset + length could
                if (record.offset() < lastEnd || record.length() <= 0
                        || record.length() > header.sizeBytes() - record.offset()) {
                    throw damaged(at, "its " + record.type().name().toLowerCase() + " record of "
                            + record.length() + " bytes at byte " + record.offset() + " is out of order, empty or"
                            + " past the volume's " + header.sizeBytes() + " bytes");
                }
                lastEnd = record.end();
                records++;
                covered += record.length();
                return record;
            }
            case END -> {
                ByteBuffer end = record.payload();
                if (end.remaining() != RecordCodec.END_PAYLOAD_BYTES || end.getLong() != records || end.getLong() != covered
                        || end.getInt() != crcBefore) {
                    throw damaged(at, "its end record does not match what came before it (records, bytes or the"
                            + " checksum of the whole stream)");
                }
                if (in.read() != -1) {
                    throw damaged(position, "more bytes follow its end record");
                }
                ended = true;
                return null;
            }
            default -> throw damaged(at, "a second header record");
        }
    }

    /** True once the end record was read and checked. */
    public boolean ended() {
        return ended;
    }

    /** Bytes of the stream read so far. */
    public long position() {
        return position;
    }

    private StreamException damaged(long at, String what) {
        return new StreamException("the stream is damaged at byte " + at + ": " + what);
    }

    /** One record, checked on its own; null at a clean end of input before any byte of it. */
    private StreamRecord read() throws IOException {
        long at = position;
        byte[] head = in.readNBytes(RecordCodec.HEAD_BYTES);
        if (head.length == 0) {
            return null;
        }
        if (head.length < RecordCodec.HEAD_BYTES) {
            throw new StreamTruncatedException("the stream ended at byte " + (at + head.length)
                    + " inside a record: it was cut short (the sender stopped, or the pipe broke)");
        }
        ByteBuffer fields = ByteBuffer.wrap(head);
        RecordType type = RecordType.of(fields.get(RecordCodec.TYPE_OFFSET));
        int payloadBytes = fields.getInt(RecordCodec.PAYLOAD_LENGTH_OFFSET);
        if (fields.getInt(RecordCodec.MAGIC_OFFSET) != RecordCodec.MAGIC || type == null || payloadBytes < 0
                || payloadBytes > RecordCodec.MAX_PAYLOAD + 1024) {
            throw damaged(at, at == 0 ? "it is not a snapshare stream (no record head at its start)"
                    : "no valid record head there (magic, type or length)");
        }
        byte[] record = new byte[RecordCodec.HEAD_BYTES + payloadBytes];
        System.arraycopy(head, 0, record, 0, head.length);
        int got = in.readNBytes(record, RecordCodec.HEAD_BYTES, payloadBytes);
        if (got < payloadBytes) {
            throw new StreamTruncatedException("the stream ended at byte " + (at + head.length + got)
                    + " inside a record: it was cut short (the sender stopped, or the pipe broke)");
        }
        if (RecordCodec.checksum(record) != fields.getInt(RecordCodec.CRC_OFFSET)) {
            throw damaged(at, "the record's checksum does not match its bytes");
        }
        long offset = fields.getLong(RecordCodec.OFFSET_OFFSET);
        long length = fields.getLong(RecordCodec.LENGTH_OFFSET);
        if (type == RecordType.DATA && length != payloadBytes || type == RecordType.ZEROS && payloadBytes != 0) {
            throw damaged(at, "a record whose length and payload disagree");
        }
        streamCrc.update(record);
        position += record.length;
        return new StreamRecord(type, offset, length, record);
    }
}
