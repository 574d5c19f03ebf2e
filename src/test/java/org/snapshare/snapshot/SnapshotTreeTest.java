package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.store.CheckReport;
import org.snapshare.store.ExceptionEntry;
import org.snapshare.store.ExceptionStore;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;

/**
 * Snapshots of snapshots (docs/SNAPSHOTS.md): a write copies once per range of
 * ids that still shares the old data, whatever the shape of the tree, and a
 * deleted snapshot stays while snapshots taken of it live.
 */
class SnapshotTreeTest {

    private static final int CHUNK = SmallVolume.CHUNK;

    @TempDir
    Path dir;
    private SmallVolume volume;
    private SnapshotCore core;

    @BeforeEach
    void open() throws IOException {
        volume = new SmallVolume().formatted();
        core = volume.open(dir.resolve("journal"));
    }

    @AfterEach
    void close() throws IOException {
        core.close();
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[CHUNK];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private void write(String lun, long chunk, byte[] data) throws IOException {
        unit(lun).write(chunk * CHUNK, ByteBuffer.wrap(data));
    }

    private byte[] read(String lun, long chunk) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        unit(lun).read(chunk * CHUNK, buffer);
        return buffer.array();
    }

    private LogicalUnit unit(String lun) throws IOException {
        return lun == null ? core.origin() : core.servedSnapshots().get(lun);
    }

    /** A chain: c0 of the origin, c1 of c0, ... */
    private void chain(int length) throws Exception {
        core.createSnapshot("c0");
        for (int i = 1; i < length; i++) {
            core.createSnapshotOf("c" + i, "c" + (i - 1));
        }
    }

    @Test
    void anOriginWriteCopiesOnceForAChainOfAHundredAsForAHundredSiblings() throws Exception {
        write(null, 0, filled(1));
        write(null, 1, filled(1));
        chain(100);
        for (int i = 0; i < 100; i++) {
            core.createSnapshot("sibling" + i);
        }
        long before = core.copiedChunks();
        write(null, 0, filled(2));
        assertEquals(before + 1, core.copiedChunks(), "one copy serves the chain and the siblings (one id range)");
        for (String lun : new String[] {"c0", "c50", "c99", "sibling0", "sibling99"}) {
            assertArrayEquals(filled(1), read(lun, 0), lun);
        }
        assertArrayEquals(filled(2), read(null, 0));
    }

    @Test
    void anOriginWriteSkipsTheSnapshotsThatReadAnAncestorsCopy() throws Exception {
        write(null, 0, filled(1));
        chain(5);
        write("c4", 0, filled(4));
        for (int i = 5; i < 10; i++) { // c5..c9 are taken after c4's write: they read its copy
            core.createSnapshotOf("c" + i, "c" + (i - 1));
        }
        long before = core.copiedChunks();
        write(null, 0, filled(2));
        assertEquals(before + 1, core.copiedChunks(), "c0..c3 share one copy; c4..c9 need none");
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(filled(i < 4 ? 1 : 4), read("c" + i, 0), "c" + i);
        }
    }

    @Test
    void aWriteToASnapshotGivesTheSnapshotsBelowItOneCopyAndItsNewDataToNoneOfThem() throws Exception {
        write(null, 0, filled(1));
        core.createSnapshot("parent");
        core.createSnapshotOf("child", "parent");
        core.createSnapshotOf("grandchild", "child");
        core.createSnapshot("other"); // reads the origin; unaffected
        ExceptionStore store = core.store();
        long parent = store.snapshot("parent").orElseThrow().id();
        long child = store.snapshot("child").orElseThrow().id();
        long grandchild = store.snapshot("grandchild").orElseThrow().id();
        write("parent", 0, filled(7));
        List<ExceptionEntry> entries = store.entries(0);
        assertEquals(2, entries.size(), "the parent's new chunk and one copy for child and grandchild: " + entries);
        assertEquals(List.of(parent, parent, child, grandchild), List.of(entries.get(0).fromId(),
                entries.get(0).toId(), entries.get(1).fromId(), entries.get(1).toId()));
        assertArrayEquals(filled(7), read("parent", 0));
        assertArrayEquals(filled(1), read("child", 0));
        assertArrayEquals(filled(1), read("grandchild", 0));
        assertArrayEquals(filled(1), read("other", 0));
        write("parent", 0, filled(8)); // now in place: nothing below reads through it
        assertEquals(entries, store.entries(0), "written in place");
        assertArrayEquals(filled(1), read("grandchild", 0));
        write("child", 0, filled(9)); // the grandchild keeps the shared copy; child gets a fresh chunk
        assertArrayEquals(filled(9), read("child", 0));
        assertArrayEquals(filled(1), read("grandchild", 0));
        assertArrayEquals(filled(8), read("parent", 0));
    }

    @Test
    void anUnmapOfASnapshotLeavesTheSnapshotsBelowItTheirData() throws Exception {
        write(null, 3, filled(3));
        core.createSnapshot("parent");
        core.createSnapshotOf("child", "parent");
        unit("parent").unmap(3L * CHUNK, CHUNK);
        assertArrayEquals(new byte[CHUNK], read("parent", 3));
        assertArrayEquals(filled(3), read("child", 3));
        write(null, 3, filled(4));
        assertArrayEquals(filled(3), read("child", 3));
    }

    @Test
    void aDeletedSnapshotStaysUnservedWhileASnapshotOfItLivesThenBothAreReclaimed() throws Exception {
        SharedExceptionStore store = (SharedExceptionStore) core.store();
        long free = store.freeChunks();
        write(null, 0, filled(1));
        core.createSnapshot("middle");
        write("middle", 0, filled(5));
        core.createSnapshotOf("leaf", "middle");
        core.deleteSnapshot("middle");
        awaitIdle();
        assertTrue(!core.servedSnapshots().containsKey("middle"), "no longer served");
        SnapshotStatus middle = core.snapshots().stream().filter(s -> s.name().equals("middle")).findFirst()
                .orElseThrow();
        assertEquals(SnapshotStatus.State.DELETING, middle.state());
        assertTrue(middle.work().contains("kept"), middle.work());
        assertEquals("middle", core.snapshots().stream().filter(s -> s.name().equals("leaf")).findFirst()
                .orElseThrow().parent());
        write(null, 0, filled(2));
        assertArrayEquals(filled(5), read("leaf", 0), "the leaf still reads what the middle wrote");
        core.deleteSnapshot("leaf");
        awaitIdle();
        assertTrue(core.snapshots().isEmpty(), "both forgotten: " + core.snapshots());
        core.close();
        CheckReport report = StoreChecker.check(volume.store(), chunk -> { });
        assertTrue(report.clean(), report.problems().toString());
        assertEquals(free, volume.store().freeChunks(), "every chunk reclaimed");
        core = volume.open(dir.resolve("journal"));
    }

    @Test
    void aSnapshotOfADeletedSnapshotOrOfNoneIsRefusedWithItsReason() throws Exception {
        core.createSnapshot("gone");
        core.createSnapshotOf("kept", "gone");
        core.deleteSnapshot("gone");
        SnapshotException deleted = assertThrows(SnapshotException.class, () -> core.createSnapshotOf("x", "gone"));
        assertTrue(deleted.getMessage().contains("is deleting; snapshots can only be taken of a live snapshot"),
                deleted.getMessage());
        assertThrows(SnapshotException.class, () -> core.createSnapshotOf("x", "missing"));
        SnapshotException taken = assertThrows(SnapshotException.class, () -> core.createSnapshotOf("kept", "kept"));
        assertTrue(taken.getMessage().contains("already has a snapshot named kept"), taken.getMessage());
    }

    @Test
    void aDiffBetweenAParentAndItsSnapshotNamesExactlyTheChunksEitherWrote() throws Exception {
        write(null, 0, filled(1));
        write(null, 1, filled(1));
        core.createSnapshot("parent");
        write("parent", 2, filled(2)); // before the child: shared, no change between them
        core.createSnapshotOf("child", "parent");
        write("child", 5, filled(5));
        write("parent", 7, filled(7));
        write(null, 0, filled(9)); // the origin changes: parent and child share the copy
        VolumeDiff diff = core.diff(Optional.of("parent"), Optional.of("child"));
        assertEquals(List.of(new ChangedRun(5L * CHUNK, CHUNK, false), new ChangedRun(7L * CHUNK, CHUNK, false)),
                diff.runs());
        assertEquals(List.of(), core.diff(Optional.of("child"), Optional.of("child")).runs());
    }

    @Test
    void aResetSnapshotReadsWhatItsParentHoldsNowWhileSnapshotsTakenOfItKeepTheirs() throws Exception {
        write(null, 0, filled(1));
        core.createSnapshot("parent");
        core.createSnapshotOf("child", "parent");
        write("child", 0, filled(2));
        core.createSnapshotOf("grandchild", "child");
        write("parent", 0, filled(3));
        LogicalUnit before = unit("child");
        LogicalUnit reset = core.resetSnapshot("child");
        assertTrue(reset.uniqueId() != before.uniqueId(), "a new device identity");
        assertArrayEquals(filled(3), read("child", 0), "the parent's data now");
        assertArrayEquals(filled(2), read("grandchild", 0), "taken of the old child: kept");
        assertTrue(core.snapshots().stream().anyMatch(s -> s.name().startsWith("child.")
                && s.state() == SnapshotStatus.State.DELETING), "the old one is kept, renamed: " + core.snapshots());
        IOException refused = assertThrows(IOException.class, () -> before.read(0, ByteBuffer.allocate(CHUNK)));
        assertTrue(refused.getMessage().contains("is being deleted"), refused.getMessage());
        write(null, 0, filled(4));
        core.resetSnapshot("parent"); // a snapshot of the origin: the origin now
        assertArrayEquals(filled(4), read("parent", 0));
        assertArrayEquals(filled(3), read("child", 0), "taken of the old parent: kept");
        core.close();
        CheckReport report = StoreChecker.check(volume.store(), chunk -> { });
        assertTrue(report.clean(), report.problems().toString());
        core = volume.open(dir.resolve("journal"));
        assertArrayEquals(filled(3), read("child", 0));
        assertArrayEquals(filled(2), read("grandchild", 0));
    }

    @Test
    void aTreeSurvivesAReopenWithItsData() throws Exception {
        write(null, 0, filled(1));
        chain(5);
        write("c2", 0, filled(2)); // c3 and c4 keep what c2 read when they were taken
        core.createSnapshotOf("c5", "c2");
        write(null, 0, filled(3));
        core.close();
        core = volume.open(dir.resolve("journal"));
        assertArrayEquals(filled(1), read("c1", 0));
        assertArrayEquals(filled(2), read("c2", 0));
        assertArrayEquals(filled(1), read("c4", 0));
        assertArrayEquals(filled(2), read("c5", 0));
        assertArrayEquals(filled(3), read(null, 0));
    }

    private void awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!core.backgroundWork().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "background work still running: " + core.backgroundWork());
            Thread.sleep(5);
        }
    }
}
