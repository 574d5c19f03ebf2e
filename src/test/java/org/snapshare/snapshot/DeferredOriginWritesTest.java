package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;
import org.snapshare.testing.Filled;

/**
 * Origin writes whose copies wait for a commit are deferred (docs/SNAPSHOTS.md,
 * "Deferred origin writes"): read back at once, kept off the origin device
 * until that commit, and written when anything needs them there. Driven on
 * the volume's I/O directly, with no background flusher, so what is deferred
 * stays deferred until a step of the test writes it back.
 */
class DeferredOriginWritesTest {

    private static final int CHUNK = SmallVolume.CHUNK;
    private static final int SIZE = SmallVolume.CHUNKS * CHUNK;

    private SmallVolume volume;
    private SharedExceptionStore store;
    private VolumeIo io;
    private long snapshotId;

    @BeforeEach
    void originWithOneSnapshot() throws IOException {
        volume = new SmallVolume().formatted();
        store = volume.store();
        io = new VolumeIo(new ChunkData(volume.origin, store, SIZE));
        io.writeOrigin(0, ByteBuffer.wrap(Filled.bytes(0x11, SIZE)));
        snapshotId = takeSnapshot("s1");
    }

    private long takeSnapshot(String name) throws IOException {
        try (VolumeIo.Quiesced quiet = io.quiesceOrigin()) {
            long id = store.createSnapshot(name, SIZE, UUID.randomUUID(), Instant.now()).id();
            store.commit();
            return id;
        }
    }

    private byte[] origin(long offset, int length) throws IOException {
        ByteBuffer back = ByteBuffer.allocate(length);
        io.readOrigin(offset, back);
        return back.array();
    }

    private byte[] snapshot(long id, long offset, int length) throws IOException {
        ByteBuffer back = ByteBuffer.allocate(length);
        io.readSnapshot(id, offset, back);
        return back.array();
    }

    private byte[] device(long offset, int length) {
        return Arrays.copyOfRange(volume.origin.contents(), (int) offset, (int) offset + length);
    }

    @Test
    void aChunkRewrittenInOverlappingPiecesHoldsABoundedNumberOfThem() throws IOException {
        byte[] expected = Filled.bytes(0x11, CHUNK);
        for (int i = 0; i < 500; i++) { // 1 KiB at 0, 512, 0, 512...: none covers the one before
            int offset = (i % 2) * 512;
            byte[] piece = Filled.bytes(i & 0x7f, 1024);
            io.writeOrigin(3L * CHUNK + offset, ByteBuffer.wrap(piece));
            System.arraycopy(piece, 0, expected, offset, 1024);
            assertTrue(io.pending.pieces(3) <= PendingWrites.MOST_PIECES_PER_CHUNK, "pieces: " + io.pending.pieces(3));
        }
        assertArrayEquals(expected, origin(3L * CHUNK, CHUNK), "every write read back in order");
        assertArrayEquals(Filled.bytes(0x11, CHUNK), snapshot(snapshotId, 3L * CHUNK, CHUNK), "the snapshot's data");
    }

    @Test
    void aFirstWriteIsReadBackAtOnceButReachesTheDeviceOnlyAfterItsCopyIsCommitted() throws IOException {
        long commits = store.commitStats().commits();
        io.writeOrigin(5L * CHUNK + 512, ByteBuffer.wrap(Filled.bytes(0x22, 1024)));

        assertEquals(commits, store.commitStats().commits(), "the write did not wait for a commit");
        assertTrue(io.pending.heldBytes() >= 1024, "held: " + io.pending.heldBytes());
        byte[] expected = Filled.bytes(0x11, CHUNK);
        Arrays.fill(expected, 512, 1536, (byte) 0x22);
        assertArrayEquals(expected, origin(5L * CHUNK, CHUNK), "the origin reads the write at once");
        assertArrayEquals(Filled.bytes(0x11, CHUNK), device(5L * CHUNK, CHUNK), "the device still holds the old data");
        assertArrayEquals(Filled.bytes(0x11, CHUNK), snapshot(snapshotId, 5L * CHUNK, CHUNK));

        io.writeBackPending();
        assertTrue(store.commitStats().commits() > commits, "written back after a commit");
        assertArrayEquals(expected, device(5L * CHUNK, CHUNK));
        assertEquals(0, io.pending.heldBytes());
        assertArrayEquals(Filled.bytes(0x11, CHUNK), snapshot(snapshotId, 5L * CHUNK, CHUNK));
        assertTrue(StoreChecker.check(volume.store(), c -> { }).clean(), "the copy is in the committed tree");
    }

    @Test
    void aFailedCommitNeverLetsADeferredWriteReachTheOrigin() throws IOException {
        io.writeOrigin(9L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x33, CHUNK)));
        volume.storeDevice.failAfterWrites(0); // the commit that would make the copy durable cannot be written

        IOException failed = assertThrows(IOException.class, io::writeBackPending);
        assertTrue(failed.getMessage().contains("injected power cut"), failed.getMessage());
        assertArrayEquals(Filled.bytes(0x11, CHUNK), device(9L * CHUNK, CHUNK), "the origin device is untouched");
        assertArrayEquals(Filled.bytes(0x33, CHUNK), origin(9L * CHUNK, CHUNK), "the write is still read back");
        assertTrue(io.pending.heldBytes() > 0, "and still held, to be written once a commit succeeds");
    }

    @Test
    void aSnapshotTakenWhileWritesAreDeferredContainsThem() throws IOException {
        io.writeOrigin(2L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x44, 2 * CHUNK)));
        assertTrue(io.pending.heldBytes() > 0);

        long s2 = takeSnapshot("s2");
        assertEquals(0, io.pending.heldBytes(), "the snapshot's quiesce wrote them back");
        assertArrayEquals(Filled.bytes(0x44, 2 * CHUNK), device(2L * CHUNK, 2 * CHUNK));
        io.writeOrigin(2L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x55, 2 * CHUNK))); // copies for s2 this time
        assertArrayEquals(Filled.bytes(0x44, 2 * CHUNK), snapshot(s2, 2L * CHUNK, 2 * CHUNK));
        assertArrayEquals(Filled.bytes(0x11, 2 * CHUNK), snapshot(snapshotId, 2L * CHUNK, 2 * CHUNK));
        assertArrayEquals(Filled.bytes(0x55, 2 * CHUNK), origin(2L * CHUNK, 2 * CHUNK));
    }

    @Test
    void laterWritesToADeferredChunkAreDeferredBehindItAndKeepTheirOrder() throws IOException {
        io.writeOrigin(7L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x66, CHUNK))); // copies: deferred
        io.writeOrigin(7L * CHUNK + 1024, ByteBuffer.wrap(Filled.bytes(0x77, 512))); // no copy, but behind it
        assertArrayEquals(Filled.bytes(0x11, CHUNK), device(7L * CHUNK, CHUNK), "neither went to the device");

        io.writeBackPending();
        byte[] expected = Filled.bytes(0x66, CHUNK);
        Arrays.fill(expected, 1024, 1536, (byte) 0x77);
        assertArrayEquals(expected, device(7L * CHUNK, CHUNK));
    }

    @Test
    void unmapAndWriteZerosOnADeferredChunkWinOverIt() throws IOException {
        io.writeOrigin(11L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x66, 2 * CHUNK)));
        io.unmapOrigin(11L * CHUNK, CHUNK);
        io.zeroOrigin(12L * CHUNK, CHUNK);

        assertArrayEquals(new byte[2 * CHUNK], origin(11L * CHUNK, 2 * CHUNK));
        io.writeBackPending();
        assertArrayEquals(new byte[2 * CHUNK], device(11L * CHUNK, 2 * CHUNK));
        assertArrayEquals(Filled.bytes(0x11, 2 * CHUNK), snapshot(snapshotId, 11L * CHUNK, 2 * CHUNK));
    }

    @Test
    void aFullBudgetMakesTheWriteWaitForItsCommitInstead() throws IOException {
        io.pending.budget(new WriteBackBudget(CHUNK));
        io.writeOrigin(20L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x66, CHUNK))); // fits: deferred
        long commits = store.commitStats().commits();
        io.writeOrigin(21L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x77, CHUNK))); // does not fit

        assertTrue(store.commitStats().commits() > commits, "the second write committed its copy itself");
        assertArrayEquals(Filled.bytes(0x77, CHUNK), device(21L * CHUNK, CHUNK));
        assertArrayEquals(Filled.bytes(0x66, CHUNK), origin(20L * CHUNK, CHUNK));
        assertEquals(CHUNK, io.pending.heldBytes(), "the first stays deferred");
    }

    @Test
    void volumesSharingABudgetHoldNoMoreThanItTogether() throws IOException {
        WriteBackBudget shared = new WriteBackBudget(2L * CHUNK);
        io.pending.budget(shared);
        SmallVolume otherVolume = new SmallVolume().formatted();
        SharedExceptionStore otherStore = otherVolume.store();
        VolumeIo other = new VolumeIo(new ChunkData(otherVolume.origin, otherStore, SIZE));
        other.pending.budget(shared);
        other.writeOrigin(0, ByteBuffer.wrap(Filled.bytes(0x11, SIZE)));
        otherStore.createSnapshot("t1", SIZE, UUID.randomUUID(), Instant.now());
        otherStore.commit();

        io.writeOrigin(30L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x66, 2 * CHUNK))); // takes the whole budget
        assertEquals(2L * CHUNK, shared.heldBytes());
        other.writeOrigin(3L * CHUNK, ByteBuffer.wrap(Filled.bytes(0x77, CHUNK))); // none left for the other volume
        assertEquals(0, other.pending.heldBytes(), "written through after its commit instead");
        assertArrayEquals(Filled.bytes(0x77, CHUNK),
                Arrays.copyOfRange(otherVolume.origin.contents(), 3 * CHUNK, 4 * CHUNK));

        io.writeBackPending();
        assertEquals(0, shared.heldBytes(), "written back: the budget is free again");
    }

    @Test
    void randomWritesReadBackExactlyAgainstAModelWhateverIsWrittenBackWhen() throws IOException {
        Random random = new Random(29);
        byte[] model = Filled.bytes(0x11, SIZE);
        byte[] frozen = model.clone();
        io.pending.budget(new WriteBackBudget(6L * CHUNK));
        for (int op = 0; op < 400; op++) {
            int length = 512 * (1 + random.nextInt(16));
            int offset = 512 * random.nextInt((SIZE - length) / 512 + 1);
            byte[] data = new byte[length];
            random.nextBytes(data);
            io.writeOrigin(offset, ByteBuffer.wrap(data));
            System.arraycopy(data, 0, model, offset, length);
            if (random.nextInt(20) == 0) {
                io.writeBackPending();
            }
            int at = 512 * random.nextInt(SIZE / 512 - 8);
            assertArrayEquals(Arrays.copyOfRange(model, at, at + 4096), origin(at, 4096), "origin at " + at);
        }
        assertArrayEquals(frozen, snapshot(snapshotId, 0, SIZE));
        io.writeBackPending();
        assertArrayEquals(model, device(0, SIZE));
    }
}
