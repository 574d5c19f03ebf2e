package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snapshare.testing.DocTables;

/**
 * docs/FORMAT.md's field tables are held to the offsets the code declares:
 * every field the code reads or writes has its row at that offset, with
 * its size. Change one without the other and this fails.
 */
class FormatDocTest {

    /** A field as the code declares it: its offset and size. */
    private record Field(String name, int offset, int size) {
    }

    private static void assertTable(String heading, List<Field> fields) throws Exception {
        Map<Integer, Integer> rows = DocTables.table(Path.of("docs/FORMAT.md"), heading);
        for (Field field : fields) {
            assertEquals(field.size(), rows.get(field.offset()), heading + ": " + field.name() + " at offset "
                    + field.offset() + " (rows: " + rows + ")");
        }
    }

    @Test
    void theSuperblockTableMatchesTheCode() throws Exception {
        assertTable("### Superblock (4096 bytes)", List.of(
                new Field("magic", Superblock.MAGIC_OFFSET, 8),
                new Field("version", Superblock.VERSION_OFFSET, 4),
                new Field("chunk shift", Superblock.CHUNK_SHIFT_OFFSET, 4),
                new Field("chunk count", Superblock.CHUNK_COUNT_OFFSET, 8),
                new Field("origin chunks", Superblock.ORIGIN_CHUNKS_OFFSET, 8),
                new Field("nonce", Superblock.NONCE_OFFSET, 8),
                new Field("slots", Superblock.SLOTS_OFFSET, 4),
                new Field("crc", Superblock.CRC_OFFSET, 4)));
    }

    @Test
    void theCommitBlockTableMatchesTheCode() throws Exception {
        assertTable("### Commit block (one slot, 4096 bytes)", List.of(
                new Field("magic", CommitBlock.MAGIC_OFFSET, 8),
                new Field("version", CommitBlock.VERSION_OFFSET, 4),
                new Field("nonce", CommitBlock.NONCE_OFFSET, 8),
                new Field("sequence", CommitBlock.SEQUENCE_OFFSET, 8),
                new Field("tree root", CommitBlock.TREE_ROOT_OFFSET, 8),
                new Field("tree height", CommitBlock.TREE_HEIGHT_OFFSET, 4),
                new Field("snapshot table", CommitBlock.TABLE_OFFSET, 8),
                new Field("next id", CommitBlock.NEXT_ID_OFFSET, 8),
                new Field("free chunks", CommitBlock.FREE_CHUNKS_OFFSET, 8),
                new Field("delete cursor chunk", CommitBlock.DELETE_CHUNK_OFFSET, 8),
                new Field("delete cursor id", CommitBlock.DELETE_ID_OFFSET, 8),
                new Field("index count", CommitBlock.INDEX_COUNT_OFFSET, 4),
                new Field("listed count", CommitBlock.LISTED_COUNT_OFFSET, 4),
                new Field("generation", CommitBlock.GENERATION_OFFSET, 8),
                new Field("tree root copy", CommitBlock.TREE_ROOT_MIRROR_OFFSET, 8),
                new Field("table copy", CommitBlock.TABLE_MIRROR_OFFSET, 8),
                new Field("chunk count", CommitBlock.CHUNK_COUNT_OFFSET, 8),
                new Field("origin chunks", CommitBlock.ORIGIN_CHUNKS_OFFSET, 8),
                new Field("range counters", CommitBlock.RANGE_COUNTS_OFFSET, StoreLayout.of(3).refBytes()),
                new Field("index", CommitBlock.indexOffset(Superblock.VERSION), 16),
                new Field("crc", CommitBlock.CRC_OFFSET, 4)));
        assertEquals(CommitBlock.RANGE_COUNTS_OFFSET + 8, CommitBlock.RANGE_COUNTS_MIRROR_OFFSET);
        assertEquals(12, CommitBlock.LISTED_BYTES, "docs/FORMAT.md: chunk (8) and CRC32C (4)");
    }

    @Test
    void theMetadataBlockHeaderTableMatchesTheCode() throws Exception {
        assertTable("## Metadata blocks", List.of(
                new Field("magic", MetaBlock.MAGIC_OFFSET, 4),
                new Field("version", MetaBlock.VERSION_OFFSET, 2),
                new Field("level", MetaBlock.LEVEL_OFFSET, 2),
                new Field("crc", MetaBlock.CRC_OFFSET, 4),
                new Field("count", MetaBlock.COUNT_OFFSET, 4),
                new Field("self", MetaBlock.SELF_OFFSET, 8)));
        assertEquals(24, MetaBlock.HEADER);
    }
}
