package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Block kinds: their magics are the ones docs/FORMAT.md names, and a block of the wrong kind says whose it is. */
class BlockKindTest {

    private static String ascii(int magic) {
        return new String(ByteBuffer.allocate(4).putInt(magic).array(), StandardCharsets.US_ASCII);
    }

    @Test
    void everyMagicIsDistinctAndDocumented() throws Exception {
        String format = Files.readString(Path.of("docs", "FORMAT.md"), StandardCharsets.UTF_8);
        assertEquals(BlockKind.values().length, Arrays.stream(BlockKind.values()).mapToInt(BlockKind::magic)
                .distinct().count());
        for (BlockKind kind : BlockKind.values()) {
            assertTrue(format.contains("`" + ascii(kind.magic()) + "`"), kind + ": FORMAT.md does not name "
                    + ascii(kind.magic()));
        }
    }

    @Test
    void aBlockOfAnotherKindIsNamedInTheError() {
        ByteBuffer node = ByteBuffer.allocate(4096);
        MetaBlock.writeHeader(node, BlockKind.NODE, 0, 0, 7);
        StoreCorruptException wrong = assertThrows(StoreCorruptException.class,
                () -> MetaBlock.verify(node, BlockKind.RANGE_COUNTS, 7));
        assertEquals("range counter block at chunk 7: bad magic 0x42544e44 (a B+-tree node's)", wrong.getMessage());
        ByteBuffer zeros = ByteBuffer.allocate(4096);
        assertTrue(assertThrows(StoreCorruptException.class, () -> MetaBlock.verify(zeros, BlockKind.SPACE_BITMAP, 9))
                .getMessage().endsWith("bad magic 0x0 (no kind's)"));
    }
}
