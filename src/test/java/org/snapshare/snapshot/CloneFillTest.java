package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.SharedExceptionStore;

/** A clone's origin before and without its background copy: reads, deallocations, a journal resumed. */
class CloneFillTest {

    private static final int CHUNK = 4096;
    private static final int SIZE = 16 * CHUNK;

    @TempDir
    Path dir;

    @Test
    void aDeallocatedChunkReadsZerosAndAPartlyDeallocatedOneKeepsTheRestOfTheSource() throws Exception {
        byte[] content = new byte[SIZE];
        new Random(5).nextBytes(content);
        LogicalUnit source = sourceUnit(content);
        FaultInjectingDevice origin = new FaultInjectingDevice(SIZE);
        Path journal = dir.resolve("clone.journal");
        CloneFill.begin(journal, new CloneFill.Source("src", "gold", SIZE, "src@gold"));
        CloneFill fill = CloneFill.resume("c", origin, journal, CHUNK).orElseThrow();
        IOException unattached = assertThrows(IOException.class, () -> fill.device().read(0, ByteBuffer.allocate(512)));
        assertTrue(unattached.getMessage().contains("src@gold, is not open"), unattached.getMessage());
        fill.attach(source);

        fill.device().deallocate(2 * CHUNK, 2 * CHUNK); // chunks 2 and 3, whole
        fill.device().deallocate(5 * CHUNK + 1000, 512); // a piece of chunk 5
        byte[] expected = content.clone();
        Arrays.fill(expected, 2 * CHUNK, 4 * CHUNK, (byte) 0);
        Arrays.fill(expected, 5 * CHUNK + 1000, 5 * CHUNK + 1512, (byte) 0);
        assertArrayEquals(expected, read(fill.device()), "before the copy");
        fill.device().flush(); // as a client's SYNCHRONIZE CACHE

        CloneFill resumed = CloneFill.resume("c", origin.powerCutDroppingAll(), journal, CHUNK).orElseThrow();
        resumed.attach(source);
        assertArrayEquals(expected, read(resumed.device()), "after a power cut: the flushed deallocations stay");
        resumed.start(done -> { });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!resumed.copied()) {
            assertTrue(System.nanoTime() < deadline, "the copy did not end");
            Thread.sleep(1);
        }
        resumed.stop();
        assertArrayEquals(expected, read(resumed.device()), "after the copy: it wrote over none of them");
        assertEquals(1.0, resumed.progress());
        resumed.forget();
        assertTrue(resumed.over() && !Files.exists(journal), "the journal is gone");
    }

    @Test
    void aJournalNamingMoreThanTheCloneHasIsRefusedByName() throws Exception {
        Path journal = dir.resolve("clone.journal");
        CloneFill.begin(journal, new CloneFill.Source("src", "gold", 2L * SIZE, "src@gold"));
        IOException refused = assertThrows(IOException.class,
                () -> CloneFill.resume("c", new FaultInjectingDevice(SIZE), journal, CHUNK));
        assertTrue(refused.getMessage().contains("records a source of " + 2L * SIZE + " bytes"), refused.getMessage());
        Files.writeString(journal, "clone src gold many src@gold\n");
        IOException garbled = assertThrows(IOException.class,
                () -> CloneFill.resume("c", new FaultInjectingDevice(SIZE), journal, CHUNK));
        assertTrue(garbled.getMessage().contains("is not a clone journal"), garbled.getMessage());
    }

    private LogicalUnit sourceUnit(byte[] content) throws Exception {
        FaultInjectingDevice store = new FaultInjectingDevice(4 << 20);
        SharedExceptionStore.format(store, CHUNK, SIZE);
        SnapshotCore core = new SnapshotCore("src", 1, new FaultInjectingDevice(SIZE),
                SharedExceptionStore.open(store, 1 << 20), dir.resolve("rollback"));
        core.origin().write(0, ByteBuffer.wrap(content));
        core.createSnapshot("gold");
        core.origin().write(0, ByteBuffer.allocate(SIZE));
        return core.snapshotUnit("gold");
    }

    private static byte[] read(org.snapshare.device.BlockDevice device) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(SIZE);
        device.read(0, all);
        return all.array();
    }
}
