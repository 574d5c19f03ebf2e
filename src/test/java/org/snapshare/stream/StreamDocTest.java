package org.snapshare.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snapshare.testing.DocTables;

/** docs/STREAM.md's tables are held to what the code writes: change one without the other and this fails. */
class StreamDocTest {

    private static Map<Integer, Integer> table(String heading) throws Exception {
        return DocTables.table(Path.of("docs/STREAM.md"), heading);
    }

    @Test
    void theRecordHeadTableMatchesTheCode() throws Exception {
        Map<Integer, Integer> rows = table("### Record (32-byte head, then the payload)");
        assertEquals(4, rows.get(RecordCodec.MAGIC_OFFSET));
        assertEquals(1, rows.get(RecordCodec.TYPE_OFFSET));
        assertEquals(8, rows.get(RecordCodec.OFFSET_OFFSET));
        assertEquals(8, rows.get(RecordCodec.LENGTH_OFFSET));
        assertEquals(4, rows.get(RecordCodec.PAYLOAD_LENGTH_OFFSET));
        assertEquals(4, rows.get(RecordCodec.CRC_OFFSET));
        assertEquals(RecordCodec.HEAD_BYTES, RecordCodec.CRC_OFFSET + rows.get(RecordCodec.CRC_OFFSET));
    }

    @Test
    void theHeaderTableAddsUpToWhereTheNamesBegin() throws Exception {
        Map<Integer, Integer> rows = table("### Header payload");
        int at = 0;
        for (Map.Entry<Integer, Integer> row : rows.entrySet()) {
            assertEquals(at, row.getKey(), "the header table has a gap or overlap before offset " + row.getKey());
            at += row.getValue();
        }
        StreamHeader unnamed = new StreamHeader("", 1, 1, "", java.util.UUID.randomUUID(), java.time.Instant.EPOCH,
                java.util.Optional.empty(), 0, 0);
        assertEquals(unnamed.encode().remaining() - 6, at, "names (2 + n bytes each) start after the fixed fields");
    }

    @Test
    void theEndRecordTableMatchesTheCode() throws Exception {
        Map<Integer, Integer> rows = table("### End payload");
        assertEquals(RecordCodec.END_PAYLOAD_BYTES, rows.values().stream().mapToInt(Integer::intValue).sum());
    }
}
