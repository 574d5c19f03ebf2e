package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a transaction's commit names (format 7): a chunk holding a tree node is named by the node's page, any
 * other by its whole content; a chunk written both ways in one transaction is named as it was written last,
 * else mount would check the wrong bytes and take a whole commit for a torn one.
 */
class TransactionWritesTest {

    private static ByteBuffer page(int fill) {
        ByteBuffer page = ByteBuffer.allocate(4096);
        java.util.Arrays.fill(page.array(), (byte) fill);
        return page;
    }

    @Test
    void aNodeIsNamedByItsPageAndACopyByItsChunk() {
        TransactionWrites writes = new TransactionWrites();
        writes.name(7, page(1), false);
        writes.name(9, 1234);
        TransactionWrites.Listed listed = writes.take().orElseThrow();
        assertEquals(Set.of(7L), listed.nodes());
        assertEquals(TransactionWrites.crc(page(1)), listed.crcs().get(7L));
        assertEquals(1234, listed.crcs().get(9L));
    }

    @Test
    void aChunkWrittenAgainIsNamedAsItWasWrittenLast() {
        TransactionWrites writes = new TransactionWrites();
        writes.name(7, page(1), false);
        writes.name(7, 1234); // freed, then reused for a copy in the same transaction
        writes.name(8, 99);
        writes.name(8, page(2), false); // and the other way round
        TransactionWrites.Listed listed = writes.take().orElseThrow();
        assertEquals(Set.of(8L), listed.nodes());
        assertEquals(1234, listed.crcs().get(7L));
        assertEquals(TransactionWrites.crc(page(2)), listed.crcs().get(8L));
        assertTrue(writes.take().orElseThrow().nodes().isEmpty(), "the next transaction starts empty");
    }
}
