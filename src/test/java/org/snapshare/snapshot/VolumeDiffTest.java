package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.store.SharedExceptionStore;

/**
 * `snapshot diff` from metadata: every chunk whose content differs between
 * two points in time is in the diff (checked by reading both), and in plain
 * cases exactly those chunks are.
 */
class VolumeDiffTest {

    private static final int CHUNK = 4096;

    @TempDir
    Path dir;

    private SnapshotCore core(int chunks) throws Exception {
        FaultInjectingDevice store = new FaultInjectingDevice(4 * chunks * CHUNK + (4 << 20));
        SharedExceptionStore.format(store, CHUNK, (long) chunks * CHUNK);
        return new SnapshotCore("diff", 7, new FaultInjectingDevice(chunks * CHUNK),
                SharedExceptionStore.open(store, 1 << 20), dir.resolve("journal"));
    }

    private static ByteBuffer filled(int value, int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return ByteBuffer.wrap(bytes);
    }

    private static List<ChangedRun> runs(SnapshotCore core, String from, String to) throws Exception {
        return core.diff(Optional.ofNullable(from), Optional.ofNullable(to)).runs();
    }

    @Test
    void exactlyTheWrittenChunksDifferAndUnmappedOnesAreMarkedZeros() throws Exception {
        try (SnapshotCore core = core(64)) {
            core.origin().write(0, filled(1, 64 * CHUNK));
            core.createSnapshot("a");
            core.origin().write(3L * CHUNK + 10, filled(2, 20)); // chunk 3
            core.origin().write(7L * CHUNK, filled(2, 2 * CHUNK)); // 7, 8
            core.createSnapshot("b");
            core.origin().write(40L * CHUNK, filled(3, CHUNK)); // 40, after b

            assertEquals(List.of(new ChangedRun(3L * CHUNK, CHUNK, false), new ChangedRun(7L * CHUNK, 2 * CHUNK, false)),
                    runs(core, "a", "b"));
            assertEquals(runs(core, "a", "b"), runs(core, "b", "a"), "the same either way round");
            assertEquals(List.of(new ChangedRun(40L * CHUNK, CHUNK, false)), runs(core, "b", null), "b to the origin");
            assertEquals(List.of(), runs(core, "b", "b"));
            assertEquals(List.of(new ChangedRun(0, 64L * CHUNK, false)), runs(core, null, "a"), "a full diff");

            core.servedSnapshots().get("b").unmap(16L * CHUNK, 4 * CHUNK);
            assertEquals(List.of(new ChangedRun(3L * CHUNK, CHUNK, false), new ChangedRun(7L * CHUNK, 2 * CHUNK, false),
                    new ChangedRun(16L * CHUNK, 4 * CHUNK, true)), runs(core, "a", "b"));
            assertEquals(List.of(new ChangedRun(0, 16L * CHUNK, false), new ChangedRun(16L * CHUNK, 4 * CHUNK, true),
                    new ChangedRun(20L * CHUNK, 44L * CHUNK, false)), runs(core, null, "b"));
        }
    }

    @Test
    void noChangedChunkIsMissedAcrossManyStepsAndSnapshots() throws Exception {
        int chunks = 2 * DiffScan.STEP_ENTRIES + 300; // the walk takes several steps
        Random random = new Random(5);
        try (SnapshotCore core = core(chunks)) {
            core.origin().write(0, filled(1, chunks * CHUNK));
            for (int s = 0; s < 4; s++) {
                core.createSnapshot("s" + s);
                for (int w = 0; w < 1500 * (s + 1); w++) {
                    core.origin().write((long) random.nextInt(chunks) * CHUNK + random.nextInt(CHUNK - 8),
                            filled(10 + s, 8));
                }
                LogicalUnit snapshot = core.servedSnapshots().get("s" + s);
                snapshot.write((long) random.nextInt(chunks) * CHUNK, filled(99, 512)); // a snapshot written too
            }
            String[] names = {"s0", "s1", "s2", "s3", null};
            for (int i = 0; i < names.length; i++) {
                for (int j = 0; j < names.length; j++) {
                    if (names[i] != null) {
                        assertDiffCoversEveryDifference(core, names[i], names[j], chunks);
                    }
                }
            }
        }
    }

    private static void assertDiffCoversEveryDifference(SnapshotCore core, String from, String to, int chunks)
            throws Exception {
        List<ChangedRun> runs = runs(core, from, to);
        boolean[] inDiff = new boolean[chunks];
        for (ChangedRun run : runs) {
            assertEquals(0, run.offset() % CHUNK);
            for (long c = run.offset() / CHUNK; c < (run.end() + CHUNK - 1) / CHUNK; c++) {
                inDiff[(int) c] = true;
            }
        }
        LogicalUnit a = core.servedSnapshots().get(from);
        LogicalUnit b = to == null ? core.origin() : core.servedSnapshots().get(to);
        int differing = 0;
        ByteBuffer left = ByteBuffer.allocate(CHUNK);
        ByteBuffer right = ByteBuffer.allocate(CHUNK);
        for (int c = 0; c < chunks; c++) {
            a.read((long) c * CHUNK, left.clear());
            b.read((long) c * CHUNK, right.clear());
            if (!left.flip().equals(right.flip())) {
                differing++;
                assertTrue(inDiff[c], from + " -> " + to + ": chunk " + c + " differs but is not in the diff");
            }
        }
        long reported = runs.stream().mapToLong(ChangedRun::length).sum() / CHUNK;
        if (from.equals(to)) {
            assertEquals(0, reported);
        }
        assertTrue(reported >= differing && (differing == 0 || reported > 0), from + " -> " + to);
    }

    @Test
    void aDeletedSnapshotCannotBeCompared() throws Exception {
        try (SnapshotCore core = core(16)) {
            core.createSnapshot("gone");
            core.deleteSnapshot("gone");
            SnapshotException refused = assertThrows(SnapshotException.class, () -> runs(core, "gone", null));
            assertTrue(refused.getMessage().contains("gone"), refused.getMessage());
            assertFalse(refused.getMessage().isBlank());
        }
    }
}
