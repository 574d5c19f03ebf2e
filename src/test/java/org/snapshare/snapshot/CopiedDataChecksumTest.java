package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.StoreScrub;

/**
 * Copied chunks carry a checksum (format 3): bit rot in the store is a read
 * error for exactly the chunks it hit, found by scrub too, never wrong data;
 * a snapshot's own writes drop the checksum of what they change.
 */
class CopiedDataChecksumTest {

    private static final int CHUNK = SmallVolume.CHUNK;
    private static final int CHUNKS = SmallVolume.CHUNKS;

    @TempDir
    Path dir;

    private final SmallVolume volume = new SmallVolume();

    private static byte[] pattern(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Snapshot s1 of a patterned origin, then the whole origin overwritten: every chunk copied once. */
    private SnapshotCore volumeWithCopies() throws IOException, SnapshotException {
        SnapshotCore core = volume.formatted().open(dir.resolve("journal"));
        core.origin().write(0, ByteBuffer.wrap(pattern(1, CHUNKS * CHUNK)));
        core.createSnapshot("s1");
        core.origin().write(0, ByteBuffer.wrap(pattern(2, CHUNKS * CHUNK)));
        core.origin().flush(); // the copies are committed by then (a deferred write's commit may come later)
        return core;
    }

    private static ExceptionStore store(SnapshotCore core) {
        return core.store();
    }

    private static ExceptionEntry entryOf(SnapshotCore core, long chunk) throws IOException {
        long id = store(core).snapshot("s1").orElseThrow().id();
        return store(core).find(chunk, id).orElseThrow();
    }

    private void flipBit(ExceptionEntry entry, Random random) throws IOException {
        long at = entry.storeChunk() * CHUNK + random.nextInt(CHUNK);
        ByteBuffer one = ByteBuffer.allocate(1);
        volume.storeDevice.read(at, one);
        one.put(0, (byte) (one.get(0) ^ (1 << random.nextInt(8))));
        volume.storeDevice.write(at, one.flip());
    }

    @Test
    void randomBitFlipsInCopiedDataAreReadErrorsForThoseChunksAndScrubNamesThem() throws Exception {
        Random random = new Random(18);
        try (SnapshotCore core = volumeWithCopies()) {
            assertTrue(entryOf(core, 0).checksummed(), "a copy-on-write copy carries its checksum");
            Set<Long> damaged = new TreeSet<>();
            while (damaged.size() < 5) {
                long chunk = random.nextInt(CHUNKS);
                if (damaged.add(chunk)) {
                    flipBit(entryOf(core, chunk), random);
                }
            }
            LogicalUnit s1 = core.servedSnapshots().get("s1");
            byte[] expected = pattern(1, CHUNKS * CHUNK);
            for (long chunk = 0; chunk < CHUNKS; chunk++) {
                ByteBuffer piece = ByteBuffer.allocate(512); // a piece of the chunk: the whole chunk is checked
                long offset = chunk * CHUNK + 1024;
                if (damaged.contains(chunk)) {
                    IOException error = assertThrows(IOException.class, () -> s1.read(offset, piece));
                    assertTrue(error.getMessage().contains("fails its checksum"), error.getMessage());
                } else {
                    s1.read(offset, piece);
                    assertArrayEquals(Arrays.copyOfRange(expected, (int) offset, (int) offset + 512), piece.array());
                }
            }

            StoreScrub scrub = store(core).newScrub();
            while (scrub.step()) {
                assertTrue(scrub.dataChunksRead() <= CHUNKS, "scrub reads each copy once");
            }
            assertEquals(CHUNKS, scrub.dataChunksRead());
            assertEquals(damaged.size(), scrub.damagedData().size(), scrub.damagedData().toString());
            for (long chunk : damaged) {
                assertTrue(scrub.damagedData().stream().anyMatch(text -> text.contains("origin chunk " + chunk + " ")),
                        chunk + " in " + scrub.damagedData());
            }
        }
    }

    /**
     * A piece of a chunk checked lately is read alone (the price docs/SNAPSHOTS.md names: damage after the check
     * goes unnoticed by such reads while the chunk stays in the table), but a chunk copied into afresh is checked
     * again before any of it is served.
     */
    @Test
    void aPieceOfAChunkCheckedLatelyIsReadAloneButAFreshCopyIsCheckedAgain() throws Exception {
        Random random = new Random(29);
        try (SnapshotCore core = volumeWithCopies()) {
            LogicalUnit s1 = core.servedSnapshots().get("s1");
            long offset = 6L * CHUNK + 1024;
            s1.read(offset, ByteBuffer.allocate(512)); // checks chunk 6 whole
            ExceptionEntry checked = entryOf(core, 6);
            long outsideThePiece = checked.storeChunk() * CHUNK + 3000;
            ByteBuffer one = ByteBuffer.allocate(1);
            volume.storeDevice.read(outsideThePiece, one);
            volume.storeDevice.write(outsideThePiece, ByteBuffer.wrap(new byte[] {(byte) ~one.get(0)}));
            ByteBuffer piece = ByteBuffer.allocate(512);
            s1.read(offset, piece);
            assertArrayEquals(Arrays.copyOfRange(pattern(1, CHUNKS * CHUNK), (int) offset, (int) offset + 512),
                    piece.array(), "read alone, not the whole chunk");

            core.createSnapshot("s2");
            core.origin().write(6L * CHUNK, ByteBuffer.wrap(pattern(4, CHUNK))); // s2's copy: pattern 2's chunk 6
            core.origin().flush();
            ExceptionEntry fresh = store(core).find(6, store(core).snapshot("s2").orElseThrow().id()).orElseThrow();
            flipBit(fresh, random);
            IOException error = assertThrows(IOException.class,
                    () -> core.servedSnapshots().get("s2").read(offset, ByteBuffer.allocate(512)));
            assertTrue(error.getMessage().contains("fails its checksum"), error.getMessage());
        }
    }

    @Test
    void aCopyScrubFindsDamagedIsCheckedWholeAgainByReads() throws Exception {
        try (SnapshotCore core = volumeWithCopies()) {
            LogicalUnit s1 = core.servedSnapshots().get("s1");
            long offset = 9L * CHUNK + 1024;
            s1.read(offset, ByteBuffer.allocate(512)); // checked whole: remembered
            flipBit(entryOf(core, 9), new Random(9));
            core.startScrub(1L << 30);
            Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
            while (!core.scrubStatus().orElseThrow().startsWith("scrub finished")) {
                assertTrue(Instant.now().isBefore(deadline), core.scrubStatus().orElseThrow());
                Thread.sleep(20);
            }
            assertTrue(core.scrubStatus().orElseThrow().contains("1 damaged"), core.scrubStatus().orElseThrow());
            IOException error = assertThrows(IOException.class, () -> s1.read(offset, ByteBuffer.allocate(512)));
            assertTrue(error.getMessage().contains("fails its checksum"), error.getMessage());
        }
    }

    @Test
    void aSnapshotWriteIntoItsOwnCopyDropsTheChecksumFirst() throws Exception {
        try (SnapshotCore core = volumeWithCopies()) {
            LogicalUnit s1 = core.servedSnapshots().get("s1");
            long commitsBefore = store(core).commitStats().commits();
            s1.write(3L * CHUNK + 512, ByteBuffer.wrap(pattern(3, 512)));
            assertFalse(entryOf(core, 3).checksummed(), "the write's chunk has no checksum any more");
            assertTrue(store(core).commitStats().commits() > commitsBefore, "dropping it was committed");
            assertTrue(entryOf(core, 4).checksummed(), "other chunks keep theirs");
            byte[] back = new byte[CHUNK];
            s1.read(3L * CHUNK, ByteBuffer.wrap(back));
            byte[] expected = Arrays.copyOfRange(pattern(1, CHUNKS * CHUNK), 3 * CHUNK, 4 * CHUNK);
            System.arraycopy(pattern(3, 512), 0, expected, 512, 512);
            assertArrayEquals(expected, back);
        }
    }

    @Test
    void theOnlineScrubHealsACopyAndReportsWhenItEnds() throws Exception {
        try (SnapshotCore core = volumeWithCopies()) {
            core.startScrub(1L << 30);
            Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
            while (!core.scrubStatus().orElseThrow().startsWith("scrub finished")) {
                assertTrue(Instant.now().isBefore(deadline), core.scrubStatus().orElseThrow());
                Thread.sleep(20);
            }
            String status = core.scrubStatus().orElseThrow();
            assertTrue(status.contains(CHUNKS + " copied chunks read") && status.contains("nothing damaged"), status);
            assertThrows(SnapshotException.class, () -> core.startScrub(0));
        }
    }
}
