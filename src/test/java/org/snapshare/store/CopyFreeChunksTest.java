package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/**
 * The lock-free answer "no snapshot lacks a copy of this origin chunk"
 * (docs/STORE.md, "Copy-free chunks"): every change that can make a chunk
 * lack a copy again must drop it, or an origin write would overwrite data a
 * snapshot still reads. Each test first sees the answer come lock-free,
 * then makes one such change and asks again; a change the store forgot to
 * heed shows as a wrong, empty answer.
 */
class CopyFreeChunksTest {

    private static final int CHUNK = 4096;
    private static final long ORIGIN_CHUNKS = 64;
    private static final long CHUNK_5 = 5;

    private final FaultInjectingDevice device = new FaultInjectingDevice(2 << 20);

    CopyFreeChunksTest() throws IOException {
        SharedExceptionStore.format(device, CHUNK, ORIGIN_CHUNKS * CHUNK);
    }

    private SharedExceptionStore open() throws IOException {
        return SharedExceptionStore.open(device, 1 << 20);
    }

    /** Asks twice: the second answer must come without the store's lock, and say nothing lacks a copy. */
    private static void answeredLockFree(SharedExceptionStore store, long chunk) throws IOException {
        assertEquals(List.of(), store.rangesLackingCopy(chunk));
        long before = store.lockFreeAnswers();
        assertEquals(List.of(), store.rangesLackingCopy(chunk));
        assertEquals(before + 1, store.lockFreeAnswers(), "the second answer came without the lock");
    }

    private static long copyFor(SharedExceptionStore store, long originChunk, long fromId, long toId)
            throws IOException {
        long chunk = store.allocateChunk();
        store.writeChunk(chunk, 0, ByteBuffer.allocate(CHUNK));
        store.addEntry(new ExceptionEntry(originChunk, fromId, toId, chunk));
        store.commit();
        return chunk;
    }

    @Test
    void aNewSnapshotMakesEveryChunkLackACopy() throws IOException {
        SharedExceptionStore store = open();
        answeredLockFree(store, CHUNK_5); // no snapshot: nothing to copy for
        long id = store.createSnapshot("s").id();
        assertEquals(List.of(new IdRange(id, id)), store.rangesLackingCopy(CHUNK_5));
    }

    @Test
    void aRemovedEntryMakesItsChunkLackACopy() throws IOException {
        SharedExceptionStore store = open();
        long id = store.createSnapshot("s").id();
        copyFor(store, CHUNK_5, id, id);
        answeredLockFree(store, CHUNK_5);
        store.removeEntry(CHUNK_5, id);
        assertEquals(List.of(new IdRange(id, id)), store.rangesLackingCopy(CHUNK_5));
    }

    @Test
    void anEntryUpdatedToFewerIdsMakesItsChunkLackACopy() throws IOException {
        SharedExceptionStore store = open();
        long first = store.createSnapshot("a").id();
        long second = store.createSnapshot("b").id();
        long chunk = copyFor(store, CHUNK_5, first, second);
        answeredLockFree(store, CHUNK_5);
        store.updateEntry(new ExceptionEntry(CHUNK_5, first, first, chunk));
        assertEquals(List.of(new IdRange(second, second)), store.rangesLackingCopy(CHUNK_5));
    }

    @Test
    void anAddedEntryKeepsTheAnswer() throws IOException {
        SharedExceptionStore store = open();
        long id = store.createSnapshot("s").id();
        copyFor(store, CHUNK_5, id, id);
        answeredLockFree(store, CHUNK_5);
        copyFor(store, CHUNK_5 + 1, id, id);
        long before = store.lockFreeAnswers();
        assertEquals(List.of(), store.rangesLackingCopy(CHUNK_5));
        assertEquals(before + 1, store.lockFreeAnswers(), "an entry of another chunk changes nothing here");
    }

    @Test
    void aFailedCommitSendsEveryAskerToTheStoreWhichRefuses() throws IOException {
        SharedExceptionStore store = open();
        long id = store.createSnapshot("s").id();
        store.commit();
        long chunk = store.allocateChunk(); // a copy the next commit must make durable
        store.writeChunk(chunk, 0, ByteBuffer.allocate(CHUNK));
        store.addEntry(new ExceptionEntry(CHUNK_5, id, id, chunk));
        answeredLockFree(store, CHUNK_5);
        device.failAfterWrites(0);
        assertThrows(IOException.class, store::commit);
        StoreException refused = assertThrows(StoreException.class, () -> store.rangesLackingCopy(CHUNK_5));
        assertTrue(refused.getMessage().contains("failed a commit"), refused.getMessage());
    }

    @Test
    void aRemountAfterAnotherNodeHeldTheStoreForgetsEverything() throws IOException {
        SharedExceptionStore mine = open();
        mine.takeOver(new Tenure(1, false));
        answeredLockFree(mine, CHUNK_5);
        SharedExceptionStore other = open(); // another node on the same disk
        other.takeOver(new Tenure(2, true));
        long id = other.createSnapshot("theirs").id();
        other.commit();
        mine.takeOver(new Tenure(3, true));
        assertEquals(List.of(new IdRange(id, id)), mine.rangesLackingCopy(CHUNK_5));
    }

    @Test
    void aNodeThatLostItsTenureIsRefusedNotAnswered() throws IOException {
        SharedExceptionStore store = open();
        boolean[] valid = {true};
        store.takeOver(new ClusterLock.Grant() {
            @Override
            public long generation() {
                return 1;
            }

            @Override
            public boolean othersHeldSince() {
                return false;
            }

            @Override
            public boolean valid() {
                return valid[0];
            }
        });
        answeredLockFree(store, CHUNK_5);
        valid[0] = false; // its ZooKeeper session was lost: another node may take the volume now
        assertThrows(StoreFencedException.class, () -> store.rangesLackingCopy(CHUNK_5));
    }

    @Test
    void aSnapshotInvalidatedOrDeletedIsNeverAskedFor() throws IOException {
        SharedExceptionStore store = open();
        long id = store.createSnapshot("s").id();
        assertEquals(List.of(new IdRange(id, id)), store.rangesLackingCopy(CHUNK_5));
        store.setSnapshotState(id, SnapshotState.DELETING);
        answeredLockFree(store, CHUNK_5); // nothing lacking once the table says so
    }

    /** A tenure of the cluster lock as a test hands it out: always valid. */
    private record Tenure(long generation, boolean othersHeldSince) implements ClusterLock.Grant {
        @Override
        public boolean valid() {
            return true;
        }
    }
}
