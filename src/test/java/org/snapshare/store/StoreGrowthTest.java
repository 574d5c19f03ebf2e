package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/** A store on a device that can grow extends itself before it runs full, as far as its policy allows. */
class StoreGrowthTest {

    private static final int CHUNK = 4096;
    private static final int START = 1 << 20;
    private static final int CAPACITY = 16 << 20;

    private final FaultInjectingDevice device = new FaultInjectingDevice(START, CAPACITY);

    private static byte[] filled(long value) {
        byte[] bytes = new byte[CHUNK];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    /** Copies for {@code count} origin chunks, committed every 100; each copy filled with its chunk number. */
    private static void copy(SharedExceptionStore store, long id, int count) throws Exception {
        for (long chunk = 0; chunk < count; chunk++) {
            long copy = store.allocateCopy(new IdRange(id, id)).orElseThrow();
            store.writeChunk(copy, 0, ByteBuffer.wrap(filled(chunk)));
            store.addEntry(new ExceptionEntry(chunk, id, id, copy));
            if (chunk % 100 == 99) {
                store.commit();
            }
        }
        store.commit();
    }

    @Test
    void aGrowingStoreNeverRunsFullAndKeepsItsNewSize() throws Exception {
        SharedExceptionStore.format(device, CHUNK, 4096L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        store.growWith((current, used) -> CAPACITY);
        long id = store.createSnapshot("s").id();
        copy(store, id, 2048); // 8 MiB of copies in a store that started at 1 MiB
        long grown = store.chunkCount();
        assertTrue(grown * CHUNK > 8L << 20 && grown * CHUNK <= CAPACITY, "chunks: " + grown);
        assertEquals(grown * CHUNK, device.size(), "the device grew with the store");

        SharedExceptionStore again = SharedExceptionStore.open(device, 1 << 20);
        assertEquals(grown, again.chunkCount(), "the commit recorded the size");
        for (long chunk = 0; chunk < 2048; chunk++) {
            ExceptionEntry entry = again.find(chunk, id).orElseThrow();
            ByteBuffer data = ByteBuffer.allocate(CHUNK);
            again.readChunk(entry.storeChunk(), 0, data);
            assertEquals(ByteBuffer.wrap(filled(chunk)), data.flip(), "chunk " + chunk);
        }
        assertTrue(StoreChecker.check(again, done -> { }).clean());
        assertEquals(SnapshotState.LIVE, again.snapshot("s").orElseThrow().state());
    }

    @Test
    void aCappedStoreStopsAtItsLimitAndThenFollowsTheStoreFullPolicy() throws Exception {
        SharedExceptionStore.format(device, CHUNK, 4096L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        long limit = 3L << 20;
        store.growWith((current, used) -> limit);
        long id = store.createSnapshot("s").id();
        Optional<Long> copy;
        long copies = 0;
        while ((copy = store.allocateCopy(new IdRange(id, id))).isPresent()) {
            store.addEntry(new ExceptionEntry(copies++, id, id, copy.get()));
        }
        store.commit();
        assertEquals(limit, store.chunkCount() * CHUNK, "grew to the limit exactly");
        assertTrue(copies * CHUNK > 2L << 20, "copies: " + copies);
        assertEquals(SnapshotState.INVALID, store.snapshot("s").orElseThrow().state());
        assertTrue(StoreChecker.check(SharedExceptionStore.open(device, 1 << 20), done -> { }).clean());
    }

    @Test
    void aDeviceGrownByItsOwnToolsIsAdoptedOnRequest() throws Exception {
        SharedExceptionStore.format(device, CHUNK, 4096L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        StoreException nothing = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
                store::adoptDeviceSize);
        assertTrue(nothing.getMessage().contains("extend the device first"), nothing.getMessage());
        device.grow(4L << 20); // as lvextend would
        assertEquals(3L << 20, store.adoptDeviceSize());
        store.commit();
        SharedExceptionStore again = SharedExceptionStore.open(device, 1 << 20);
        assertEquals((4L << 20) / CHUNK, again.chunkCount());
        long id = again.createSnapshot("s").id();
        for (int i = 0; i < 900; i++) { // more than the store had before
            again.addEntry(new ExceptionEntry(i, id, id, again.allocateCopy(new IdRange(id, id)).orElseThrow()));
        }
        again.commit();
        assertTrue(StoreChecker.check(again, done -> { }).clean());
    }

    @Test
    void storesBeforeFormatThreeKeepTheirSize() throws Exception {
        SharedExceptionStore.format(device, CHUNK, 4096L * CHUNK, 2);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        store.growWith((current, used) -> CAPACITY);
        long id = store.createSnapshot("s").id();
        while (store.allocateCopy(new IdRange(id, id)).isPresent()) {
            assertEquals(START / CHUNK, store.chunkCount());
        }
        assertFalse(device.size() > START);
    }
}
