package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.snapshare.snapshot.SnapshotCoreModelTest.read;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.StoreChecker;
import org.snapshare.testing.Filled;

/**
 * UNMAP on snapshot LUNs (format 3): whole chunks read zeros from then on and
 * free the snapshot's own copies; shared copies are split, never lost for
 * the snapshots that still read them; partial chunks are written with zeros.
 */
class ThinSnapshotTest {

    private static final int CHUNK = SmallVolume.CHUNK;
    private static final int CHUNKS = SmallVolume.CHUNKS;

    @TempDir
    Path dir;

    private final SmallVolume volume = new SmallVolume();

    private SnapshotCore open() throws Exception {
        return volume.open(dir.resolve("journal"));
    }

    private static long used(ExceptionStore store) {
        return store.spaceUse().usedBytes();
    }

    @Test
    void unmapFreesASnapshotsOwnCopiesAndKeepsWhatOthersShare() throws Exception {
        volume.formatted();
        try (SnapshotCore core = open()) {
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x11, CHUNKS * CHUNK)));
            core.createSnapshot("a");
            core.createSnapshot("b");
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x22, CHUNKS * CHUNK))); // one copy, shared by a and b
            LogicalUnit a = core.servedSnapshots().get("a");
            LogicalUnit b = core.servedSnapshots().get("b");
            assertTrue(a.thinProvisioned(), "snapshot LUNs of format 3 stores are thin");
            a.write(0, ByteBuffer.wrap(Filled.bytes(0x33, 8 * CHUNK))); // a's own copies of chunks 0..7
            long before = used(core.store());

            a.unmap(0, 8 * CHUNK); // its own copies: freed
            assertArrayEquals(new byte[8 * CHUNK], read(a, 0, 8 * CHUNK));
            assertTrue(used(core.store()) <= before - 8 * CHUNK, "a's 8 copies were freed");
            assertFalse(a.status(0).mapped());

            a.unmap(16L * CHUNK + 100, 4 * CHUNK); // chunks 17..19 whole; 16 and 20 partial: zeroed, still mapped
            assertArrayEquals(Filled.bytes(0x11, 100), read(a, 16L * CHUNK, 100));
            assertArrayEquals(new byte[4 * CHUNK], read(a, 16L * CHUNK + 100, 4 * CHUNK));
            assertArrayEquals(Filled.bytes(0x11, CHUNK - 100), read(a, 20L * CHUNK + 100, CHUNK - 100));
            assertTrue(a.status(16L * CHUNK).mapped() && !a.status(17L * CHUNK).mapped());
            assertArrayEquals(Filled.bytes(0x11, 4 * CHUNK), read(b, 16L * CHUNK, 4 * CHUNK), "b keeps the shared copy");

            b.unmap(17L * CHUNK, CHUNK); // now nobody needs chunk 17's copy
            assertArrayEquals(new byte[CHUNK], read(b, 17L * CHUNK, CHUNK));
            assertArrayEquals(Filled.bytes(0x22, CHUNK), read(core.origin(), 17L * CHUNK, CHUNK), "the origin untouched");

            a.write(2L * CHUNK + 512, ByteBuffer.wrap(Filled.bytes(0x44, 512))); // into an unmapped chunk
            byte[] expected = new byte[CHUNK];
            Arrays.fill(expected, 512, 1024, (byte) 0x44);
            assertArrayEquals(expected, read(a, 2L * CHUNK, CHUNK));
        }
        try (SnapshotCore again = open()) {
            LogicalUnit a = again.servedSnapshots().get("a");
            assertArrayEquals(new byte[CHUNK], read(a, 0, CHUNK), "unmapped ranges are committed");
            assertArrayEquals(Filled.bytes(0x11, CHUNK), read(again.servedSnapshots().get("b"), 18L * CHUNK, CHUNK));
        }
        assertTrue(StoreChecker.check(volume.store(), done -> { }).clean());
    }

    @Test
    void anUnmappedRangeOfTheOriginsDataNeedsNoCopyLater() throws Exception {
        volume.formatted();
        try (SnapshotCore core = open()) {
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x11, CHUNKS * CHUNK)));
            core.createSnapshot("s");
            LogicalUnit s = core.servedSnapshots().get("s");
            s.writeZeros(CHUNK / 2, 32L * CHUNK); // WRITE SAME with UNMAP: partial ends written, the rest unmapped
            assertArrayEquals(Filled.bytes(0x11, CHUNK / 2), read(s, 0, CHUNK / 2));
            assertArrayEquals(new byte[32 * CHUNK], read(s, CHUNK / 2, 32 * CHUNK));
            long before = used(core.store());
            core.origin().write(CHUNK, ByteBuffer.wrap(Filled.bytes(0x22, 31 * CHUNK))); // s no longer needs these
            assertEquals(before, used(core.store()), "no copy for chunks the snapshot unmapped");
            assertArrayEquals(new byte[31 * CHUNK], read(s, CHUNK, 31 * CHUNK));
        }
    }
}
