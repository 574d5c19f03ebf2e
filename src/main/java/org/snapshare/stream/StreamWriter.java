package org.snapshare.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Writes a stream: the header, then data and zero records in increasing
 * offset order, then the end record with the count, the bytes covered and
 * the CRC32C of everything before it. Zeros never travel as bytes: data
 * handed to {@link #extent} is cut at every {@link #ZERO_GRAIN} boundary and
 * all-zero pieces become zero records, merged while they touch.
 */
public final class StreamWriter {

    /** Zeros inside data are found at this grain (aligned to the volume): finer costs records, coarser bytes. */
    public static final int ZERO_GRAIN = 64 << 10;

    private final OutputStream out;
    private final CRC32C streamCrc = new CRC32C();
    private long written;
    private long records;
    private long covered;
    private long pendingZerosAt = -1;
    private long pendingZeros;
    private long lastEnd = -1;

    public StreamWriter(OutputStream out) {
        this.out = out;
    }

    public void header(StreamHeader header) throws IOException {
        put(RecordCodec.encode(RecordType.HEADER, 0, 0, header.encode()));
        lastEnd = header.resumeFrom();
    }

    /** The volume's bytes at {@code offset}; data or zeros, as they are. At most {@link RecordCodec#MAX_PAYLOAD}. */
    public void extent(long offset, ByteBuffer bytes) throws IOException {
        ByteBuffer rest = bytes.duplicate();
        long at = offset;
        long dataAt = -1;
        ByteBuffer data = null;
        while (rest.hasRemaining()) {
            int grain = (int) Math.min(rest.remaining(), ZERO_GRAIN - at % ZERO_GRAIN);
            ByteBuffer piece = rest.slice(rest.position(), grain);
            if (allZero(piece)) {
                if (data != null) {
                    data(dataAt, data);
                    data = null;
                }
                zeros(at, grain);
            } else if (data == null) {
                dataAt = at;
                data = piece;
            } else {
                data = rest.slice(rest.position() - data.remaining(), data.remaining() + grain);
            }
            rest.position(rest.position() + grain);
            at += grain;
        }
        if (data != null) {
            data(dataAt, data);
        }
    }

    /** {@code length} bytes of zeros at {@code offset} (an unmapped range), without reading them. */
    public void zeros(long offset, long length) throws IOException {
        if (pendingZerosAt >= 0 && pendingZerosAt + pendingZeros == offset) {
            pendingZeros += length;
            return;
        }
        flushZeros();
        pendingZerosAt = offset;
        pendingZeros = length;
    }

    private void data(long offset, ByteBuffer bytes) throws IOException {
        flushZeros();
        record(RecordType.DATA, offset, bytes.remaining(), bytes);
    }

    private void flushZeros() throws IOException {
        if (pendingZerosAt >= 0) {
            record(RecordType.ZEROS, pendingZerosAt, pendingZeros, ByteBuffer.allocate(0));
            pendingZerosAt = -1;
        }
    }

    private void record(RecordType type, long offset, long length, ByteBuffer payload) throws IOException {
        if (offset < lastEnd) {
            throw new IllegalStateException("record at " + offset + " before the end of the last, " + lastEnd);
        }
        put(RecordCodec.encode(type, offset, length, payload));
        lastEnd = offset + length;
        records++;
        covered += length;
    }

    /** The end record; the stream is complete once it is written (and flushed). */
    public void finish() throws IOException {
        flushZeros();
        ByteBuffer end = ByteBuffer.allocate(RecordCodec.END_PAYLOAD_BYTES).putLong(records).putLong(covered).putInt((int) streamCrc.getValue());
        put(RecordCodec.encode(RecordType.END, 0, 0, end.flip()));
        out.flush();
    }

    /** Bytes written so far. */
    public long written() {
        return written;
    }

    private void put(byte[] record) throws IOException {
        out.write(record);
        streamCrc.update(record);
        written += record.length;
    }

    private static final ByteBuffer ZERO_GRAIN_BYTES = ByteBuffer.allocate(ZERO_GRAIN).asReadOnlyBuffer();

    private static boolean allZero(ByteBuffer piece) {
        return piece.mismatch(ZERO_GRAIN_BYTES.slice(0, piece.remaining())) == -1;
    }
}
