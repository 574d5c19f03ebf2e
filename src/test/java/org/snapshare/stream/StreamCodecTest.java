package org.snapshare.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The stream format alone: what goes in comes out, zeros travel as records, and no damage gets through. */
class StreamCodecTest {

    private static final long SIZE = 8L << 20;
    private static final StreamHeader HEADER = new StreamHeader("vol", SIZE, 65536, "daily-2", UUID.randomUUID(),
            Instant.ofEpochMilli(1_700_000_000_000L),
            Optional.of(new StreamHeader.Base("daily-1", UUID.randomUUID(), SIZE, false)), 0, 3L << 20);

    /** 3 MiB of a volume at 1 MiB: random data with a 256 KiB hole of zeros, then a 2 MiB unmapped range. */
    private static byte[] sample() throws IOException {
        byte[] data = new byte[3 << 20];
        new Random(1).nextBytes(data);
        Arrays.fill(data, 1 << 20, (1 << 20) + (256 << 10), (byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamWriter writer = new StreamWriter(out);
        writer.header(HEADER);
        for (int at = 0; at < data.length; at += 1 << 20) {
            writer.extent((1L << 20) + at, ByteBuffer.wrap(data, at, 1 << 20));
        }
        writer.zeros(5L << 20, 2L << 20);
        writer.finish();
        assertEquals(out.size(), writer.written());
        return out.toByteArray();
    }

    /** The volume image a stream describes, applied onto ones. */
    private static byte[] apply(byte[] stream) throws IOException {
        byte[] volume = new byte[(int) SIZE];
        Arrays.fill(volume, (byte) 1);
        StreamReader reader = new StreamReader(new ByteArrayInputStream(stream));
        assertEquals(HEADER, reader.header());
        for (StreamRecord record = reader.next(); record != null; record = reader.next()) {
            if (record.type() == RecordType.DATA) {
                record.payload().get(volume, (int) record.offset(), (int) record.length());
            } else {
                Arrays.fill(volume, (int) record.offset(), (int) record.end(), (byte) 0);
            }
        }
        assertTrue(reader.ended());
        return volume;
    }

    @Test
    void whatIsWrittenReadsBackAndZerosTravelAsRecords() throws Exception {
        byte[] stream = sample();
        byte[] volume = apply(stream);
        byte[] expected = new byte[(int) SIZE];
        Arrays.fill(expected, (byte) 1);
        byte[] data = new byte[3 << 20];
        new Random(1).nextBytes(data);
        Arrays.fill(data, 1 << 20, (1 << 20) + (256 << 10), (byte) 0);
        System.arraycopy(data, 0, expected, 1 << 20, data.length);
        Arrays.fill(expected, 5 << 20, 7 << 20, (byte) 0);
        assertArrayEquals(expected, volume);
        // The 256 KiB hole and the 2 MiB range cost a record head each, not their bytes.
        assertTrue(stream.length < (3 << 20) - (256 << 10) + 4096, "zeros did not travel as bytes: " + stream.length);
    }

    @Test
    void everyDamagedByteIsRefused() throws Exception {
        byte[] stream = sample();
        Random random = new Random(2);
        int[] positions = new int[400];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i < 200 ? i : random.nextInt(stream.length); // every byte of the heads at the start
        }
        for (int at : positions) {
            byte[] damaged = stream.clone();
            damaged[at] ^= (byte) (1 << random.nextInt(8));
            IOException refused = assertThrows(IOException.class, () -> apply(damaged), "byte " + at);
            assertInstanceOf(StreamException.class, refused);
            assertNotNull(refused.getMessage());
        }
    }

    @Test
    void everyTruncationIsRefusedAsCutShort() throws Exception {
        byte[] stream = sample();
        for (int length = 0; length < stream.length; length += length < 300 ? 1 : 4099) {
            byte[] cut = Arrays.copyOf(stream, length);
            StreamTruncatedException refused = assertThrows(StreamTruncatedException.class, () -> apply(cut),
                    "cut at " + length);
            assertTrue(refused.getMessage().contains("cut short") || refused.getMessage().contains("empty"),
                    refused.getMessage());
        }
        byte[] longer = Arrays.copyOf(stream, stream.length + 1);
        StreamException extra = assertThrows(StreamException.class, () -> apply(longer));
        assertTrue(extra.getMessage().contains("after its end record") || extra.getMessage().contains("follow"),
                extra.getMessage());
    }

    @Test
    void aNewerStreamVersionIsRefusedByName() throws Exception {
        byte[] stream = sample();
        ByteBuffer.wrap(stream).putInt(RecordCodec.HEAD_BYTES + 8, StreamHeader.VERSION + 1);
        byte[] head = Arrays.copyOf(stream, stream.length);
        // Re-seal the header record's checksum: the version itself must be what is refused.
        int headerLength = RecordCodec.HEAD_BYTES + ByteBuffer.wrap(head).getInt(RecordCodec.PAYLOAD_LENGTH_OFFSET);
        byte[] header = Arrays.copyOf(head, headerLength);
        ByteBuffer.wrap(head).putInt(RecordCodec.CRC_OFFSET, RecordCodec.checksum(header));
        StreamException refused = assertThrows(StreamException.class, () -> apply(head));
        assertTrue(refused.getMessage().contains("version " + (StreamHeader.VERSION + 1)), refused.getMessage());
    }

    /** A stream since the snapshot's parent: kind 3, which only format version 2 has; plain ones stay version 1. */
    @Test
    void aStreamSinceTheParentIsVersion2AndPlainOnesStayVersion1() throws Exception {
        StreamHeader child = new StreamHeader("vol", SIZE, 65536, "child", UUID.randomUUID(), Instant.EPOCH,
                Optional.of(new StreamHeader.Base("parent", UUID.randomUUID(), SIZE, true)), 0, 0);
        ByteBuffer encoded = child.encode();
        assertEquals(2, encoded.getInt(8), "version");
        assertEquals(3, encoded.get(12), "kind");
        assertEquals(child, StreamHeader.decode(encoded.duplicate()));
        assertEquals(1, HEADER.encode().getInt(8), "an ordinary incremental stream: readable by older releases");
        encoded.putInt(8, 1);
        StreamException refused = assertThrows(StreamException.class, () -> StreamHeader.decode(encoded.duplicate()));
        assertTrue(refused.getMessage().contains("kind 3"), refused.getMessage());
    }

    /** Issue 25, attack 5: offset + length past Long.MAX_VALUE wrapped to a negative end and passed the range check. */
    @Test
    void recordsWhoseEndOverflowsAreRefused() throws IOException {
        long nearTheTop = Long.MAX_VALUE - 4095;
        byte[][] crafted = {
            RecordCodec.encode(RecordType.ZEROS, 4096, Long.MAX_VALUE - 100, ByteBuffer.allocate(0)),
            RecordCodec.encode(RecordType.DATA, nearTheTop, 8192, ByteBuffer.allocate(8192)),
            RecordCodec.encode(RecordType.ZEROS, nearTheTop, 1 << 20, ByteBuffer.allocate(0)),
        };
        for (byte[] record : crafted) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new StreamWriter(out).header(HEADER);
            out.write(record);
            StreamReader reader = new StreamReader(new ByteArrayInputStream(out.toByteArray()));
            StreamException refused = assertThrows(StreamException.class, reader::next);
            assertTrue(refused.getMessage().contains("past the volume's " + SIZE + " bytes"), refused.getMessage());
        }
    }
}
