package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/**
 * Format 5 commits with one flush: the commit block names the chunks its
 * transaction wrote, so mount can tell a commit cut off before its flush
 * (it falls back to the one before) from a whole one; an empty commit soon
 * confirms it, after which a bad block in it is damage to report, not a
 * crash to roll back.
 */
class OneFlushCommitTest {

    private static final int CHUNK = 4096;

    private static long copyOnWrite(SharedExceptionStore store, long originChunk, long id) throws Exception {
        long copy = store.allocateChunk();
        byte[] data = new byte[CHUNK];
        Arrays.fill(data, (byte) (originChunk + 1));
        store.writeCopy(copy, ByteBuffer.wrap(data), DataChecksum.of(ByteBuffer.wrap(data)));
        store.addEntry(new ExceptionEntry(originChunk, id, id, copy));
        return copy;
    }

    private static long flushesOfOneCopyOnWrite(int version) throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK, version);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long id = store.createSnapshot("s").id();
        store.commit();
        long before = device.flushCount();
        copyOnWrite(store, 3, id);
        store.commit();
        return device.flushCount() - before;
    }

    @Test
    void aCopyOnWriteCommitTakesOneFlushInFormatFiveAndTwoBefore() throws Exception {
        assertEquals(1, flushesOfOneCopyOnWrite(5));
        assertEquals(2, flushesOfOneCopyOnWrite(4));
    }

    /** A store whose newest commit (one flush, not yet confirmed) made a copy of origin chunk 5 for snapshot s. */
    private record CopyCommitted(FaultInjectingDevice device, SharedExceptionStore store, long id, long whole,
            long copy) {

        /** Without a grant: no confirmation comes by itself. */
        static CopyCommitted make() throws Exception {
            FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
            SharedExceptionStore.format(device, CHUNK, 16L * CHUNK);
            SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
            long id = store.createSnapshot("s").id();
            store.commit();
            store.confirm();
            long whole = store.state().sequence();
            long copy = copyOnWrite(store, 5, id);
            store.commit();
            return new CopyCommitted(device, store, id, whole, copy);
        }
    }

    @Test
    void aCommitWhoseBlocksDidNotAllLandFallsBackButAConfirmedOneKeepsItsEntries() throws Exception {
        CopyCommitted committed = CopyCommitted.make();
        FaultInjectingDevice device = committed.device();
        SharedExceptionStore store = committed.store();
        long id = committed.id();
        long whole = committed.whole();
        long copy = committed.copy();

        // As if the power went before the flush the commit shared with its blocks, and the copy was lost.
        byte[] lost = device.contents().clone();
        FaultInjectingDevice cut = new FaultInjectingDevice(1 << 20);
        cut.write(0, ByteBuffer.wrap(lost));
        cut.write(copy * CHUNK, ByteBuffer.allocate(CHUNK));
        SharedExceptionStore fellBack = SharedExceptionStore.open(cut, 1 << 20);
        assertEquals(whole, fellBack.state().sequence(), "a commit without all of its blocks is not mounted");
        assertEquals(1, fellBack.cutOffCommits(), "and the mount counts it (status, metrics)");
        assertEquals(0, store.cutOffCommits());
        assertTrue(fellBack.find(5, id).isEmpty(), "the entry of the lost commit is not there");
        assertTrue(StoreChecker.check(fellBack, n -> { }).clean());

        // Confirmed, the same loss is a bad block: the commit stands, and the copy fails its checksum when read.
        store.confirm();
        device.write(copy * CHUNK, ByteBuffer.allocate(CHUNK));
        SharedExceptionStore mounted = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(whole + 2, mounted.state().sequence());
        assertEquals(copy, mounted.find(5, id).orElseThrow().storeChunk());
    }

    @Test
    void aNodeTakingOverAfterACutOffCommitErasesItAndCommitsUnfenced() throws Exception {
        CopyCommitted crashed = CopyCommitted.make();
        FaultInjectingDevice device = crashed.device();
        long whole = crashed.whole();
        device.write(crashed.copy() * CHUNK, ByteBuffer.allocate(CHUNK)); // it died before its flush: copy lost

        SharedExceptionStore other = SharedExceptionStore.open(device, 1 << 20);
        other.takeOver(new HandGrant(2, true));
        assertEquals(whole, other.state().sequence());
        other.createSnapshot("t");
        other.commit(); // the fencing check reads the ring: the cut-off commit must not look like another node's
        assertEquals(whole + 1, SharedExceptionStore.open(device, 1 << 20).state().sequence());
    }

    @Test
    void aServedStoreConfirmsItsLastOneFlushCommitByItself() throws Exception {
        FaultInjectingDevice device = new FaultInjectingDevice(1 << 20);
        SharedExceptionStore.format(device, CHUNK, 16L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        store.takeOver(new SingleNodeLock().take(Duration.ZERO).orElseThrow());
        long id = store.createSnapshot("s").id();
        copyOnWrite(store, 2, id);
        store.commit();
        long oneFlush = store.state().sequence();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (store.state().sequence() == oneFlush && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(oneFlush + 1, store.state().sequence(), "an empty commit followed within "
                + TransactionManager.CONFIRM_DELAY_MILLIS + " ms or so");
        ByteBuffer header = ByteBuffer.allocate(Superblock.SIZE);
        device.read(0, header);
        CommitRing.Newest newest = CommitRing.read(device, Superblock.decode(header.clear()), true);
        assertEquals(oneFlush + 1, newest.commit().sequence);
        assertTrue(newest.commit().listed.isEmpty(), "the confirming commit names nothing: nothing to doubt");
        assertFalse(newest.copyMissing());
    }
}
