package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.snapshare.store.ExceptionEntry;

/** What counts as checked lately: the same store chunk with the same checksum, until a newer chunk takes its slot. */
class VerifiedChunksTest {

    private final VerifiedChunks verified = new VerifiedChunks();

    private static ExceptionEntry copy(long storeChunk, long checksum) {
        return new ExceptionEntry(7, 1, 3, storeChunk, checksum);
    }

    @Test
    void aChunkIsVerifiedOnlyWithTheChecksumItWasCheckedAgainst() {
        assertFalse(verified.contains(copy(100, 0x1234)), "nothing is verified at first");
        verified.verified(copy(100, 0x1234));
        assertTrue(verified.contains(copy(100, 0x1234)));
        assertTrue(verified.contains(new ExceptionEntry(9, 5, 5, 100, 0x1234)), "whichever entry names it");
        assertFalse(verified.contains(copy(100, 0x1235)), "copied into again: another checksum");
        assertFalse(verified.contains(copy(100, 0)), "checksum 0 is not an empty slot's");
        assertFalse(verified.contains(copy(101, 0x1234)), "another chunk");
        assertFalse(verified.contains(copy(100, ExceptionEntry.NO_CHECKSUM)), "written by a snapshot: no checksum");
    }

    @Test
    void aNewerChunkInTheSameSlotReplacesTheOlder() {
        verified.verified(copy(5, 77));
        verified.verified(copy(5 + VerifiedChunks.SLOTS, 77));
        assertFalse(verified.contains(copy(5, 77)), "the slot holds the newer chunk");
        assertTrue(verified.contains(copy(5 + VerifiedChunks.SLOTS, 77)));
        long far = 5 + ((long) VerifiedChunks.SLOTS << 30); // high bits that differ far up
        assertFalse(verified.contains(copy(far, 77)));
    }

    @Test
    void unmappedAndUnchecksummedEntriesAreNeverVerified() {
        verified.verified(copy(12, ExceptionEntry.NO_CHECKSUM));
        assertFalse(verified.contains(copy(12, ExceptionEntry.NO_CHECKSUM)));
        long huge = Long.MAX_VALUE / 2;
        verified.verified(copy(huge, 9));
        assertFalse(verified.contains(copy(huge, 9)), "a chunk number too large for the table is not kept");
    }
}
