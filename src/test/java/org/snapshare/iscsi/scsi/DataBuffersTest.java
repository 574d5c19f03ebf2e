package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reused direct buffers for command data: exact sizes, reuse, the limit, and one release per buffer. */
class DataBuffersTest {

    @Test
    void aBufferHasTheLengthAskedForAndIsReusedOnceGivenBack() {
        DataBuffers buffers = new DataBuffers(4L * DataBuffers.SLOT);
        DataBuffers.Lease first = buffers.tryTake(4096);
        assertTrue(first.data().isDirect());
        assertEquals(0, first.data().position());
        assertEquals(4096, first.data().remaining());
        assertEquals(4096, first.data().capacity(), "nothing past the length is reachable");
        first.release();

        DataBuffers.Lease second = buffers.tryTake(DataBuffers.SLOT);
        assertSame(first.slot(), second.slot(), "the buffer given back is used again");
        assertEquals(DataBuffers.SLOT, second.data().remaining());
        assertEquals(DataBuffers.SLOT, buffers.aliveBytes());
    }

    @Test
    void largerCommandsAndCommandsPastTheLimitGetHeapBuffers() {
        DataBuffers buffers = new DataBuffers(2L * DataBuffers.SLOT);
        DataBuffers.Lease large = buffers.tryTake(DataBuffers.SLOT + 512);
        assertFalse(large.data().isDirect());
        assertNull(large.slot());
        assertEquals(DataBuffers.SLOT + 512, large.data().remaining());

        DataBuffers.Lease a = buffers.tryTake(512);
        DataBuffers.Lease b = buffers.tryTake(512);
        DataBuffers.Lease c = buffers.tryTake(512);
        assertTrue(a.data().isDirect() && b.data().isDirect());
        assertFalse(c.data().isDirect(), "a third direct buffer would pass the limit of two");
        assertEquals(2L * DataBuffers.SLOT, buffers.aliveBytes());
        c.release(); // a heap buffer: nothing to give back, and no error
        a.release();
        assertTrue(buffers.tryTake(512).data().isDirect(), "a buffer given back serves the next command");
    }

    @Test
    void noLeasePassesTheBudgetAndReleasesGiveItBack() {
        DataBuffers buffers = new DataBuffers(4L * DataBuffers.SLOT);
        buffers.budget(3L * DataBuffers.SLOT);
        DataBuffers.Lease direct = buffers.tryTake(DataBuffers.SLOT);
        DataBuffers.Lease heap = buffers.tryTake(2 * DataBuffers.SLOT);
        assertEquals(3L * DataBuffers.SLOT, buffers.inUseBytes());
        assertNull(buffers.tryTake(512), "the budget is spent");
        heap.release();
        heap.release();
        assertEquals(DataBuffers.SLOT, buffers.inUseBytes(), "a lease gives its bytes back once");
        DataBuffers.Lease next = buffers.tryTake(2 * DataBuffers.SLOT);
        assertTrue(next != null, "bytes given back serve the next command");
        direct.release();
        next.release();
        assertEquals(0, buffers.inUseBytes());
    }

    @Test
    void aBufferGoesBackOnceHoweverOftenItIsReleased() {
        DataBuffers buffers = new DataBuffers(4L * DataBuffers.SLOT);
        DataBuffers.Lease lease = buffers.tryTake(8192);
        ScsiResult result = ScsiResult.good(lease);
        assertEquals(8192, result.dataIn().remaining());
        result.release();
        result.release();
        lease.release();

        DataBuffers.Lease next = buffers.tryTake(8192);
        DataBuffers.Lease after = buffers.tryTake(8192);
        assertSame(lease.slot(), next.slot());
        assertNotSame(next.slot(), after.slot(), "one buffer is never handed to two commands");
    }
}
