package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FileBlockDevice;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.store.StoreChecker;
import org.snapshare.testing.Filled;

/** A volume grows online; its snapshots keep the size they were taken with; it never shrinks. */
class VolumeResizeTest {

    private static final int CHUNK = 64 << 10;
    private static final long SIZE = 8L << 20;

    @TempDir
    Path dir;

    private SnapshotCore open() throws Exception {
        return new SnapshotCore("v", 9, FileBlockDevice.open(dir.resolve("origin")),
                SharedExceptionStore.open(FileBlockDevice.open(dir.resolve("store")), 1 << 20),
                dir.resolve("journal"));
    }

    private SnapshotCore create() throws Exception {
        FileBlockDevice.createSparse(dir.resolve("origin"), SIZE).close();
        try (FileBlockDevice store = FileBlockDevice.createSparse(dir.resolve("store"), 64L << 20)) {
            SharedExceptionStore.format(store, CHUNK, SIZE);
        }
        return open();
    }

    @Test
    void theOriginGrowsAndItsSnapshotsKeepTheirSize() throws Exception {
        try (SnapshotCore core = create()) {
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x11, (int) SIZE)));
            core.createSnapshot("before");
            core.resize(3 * SIZE);
            assertEquals(3 * SIZE, core.origin().sizeBytes());
            assertEquals(SIZE, core.servedSnapshots().get("before").sizeBytes());
            core.origin().write(SIZE - 4096, ByteBuffer.wrap(Filled.bytes(0x22, 2 * (int) SIZE))); // across the old end
            core.createSnapshot("after");
            core.origin().write(2 * SIZE, ByteBuffer.wrap(Filled.bytes(0x33, 4096))); // a copy for "after" past the old end
            assertEquals(3 * SIZE, core.servedSnapshots().get("after").sizeBytes());
        }
        try (SnapshotCore core = open()) {
            assertEquals(3 * SIZE, core.origin().sizeBytes(), "the new size is the device's");
            LogicalUnit before = core.servedSnapshots().get("before");
            assertEquals(SIZE, before.sizeBytes(), "a snapshot keeps its size across restarts");
            byte[] back = new byte[(int) SIZE];
            before.read(0, ByteBuffer.wrap(back));
            assertArrayEquals(Filled.bytes(0x11, (int) SIZE), back);
            byte[] after = new byte[4096];
            core.servedSnapshots().get("after").read(2 * SIZE, ByteBuffer.wrap(after));
            assertArrayEquals(Filled.bytes(0x22, 4096), after);
            core.origin().read(2 * SIZE, ByteBuffer.wrap(after));
            assertArrayEquals(Filled.bytes(0x33, 4096), after);

            SnapshotException shrink = assertThrows(SnapshotException.class, () -> core.resize(SIZE));
            assertTrue(shrink.getMessage().contains("refused"), shrink.getMessage());
            assertThrows(SnapshotException.class, () -> core.resize(3 * SIZE + 100));
        }
        assertTrue(StoreChecker.check(SharedExceptionStore.open(FileBlockDevice.open(dir.resolve("store")), 1 << 20),
                done -> { }).clean());
    }

    /**
     * Found by the power-cut check from outside (PowerCutIT): the copy made for a bigger snapshot past
     * a smaller one's end also covered the smaller one's id, and rolling back to the smaller one wrote
     * that copy over the origin's newer data there.
     */
    @Test
    void aRollbackToASmallerSnapshotLeavesTheOriginPastItsEnd() throws Exception {
        long oddEnd = 2 * SIZE + 1536; // the bigger snapshot ends inside a chunk
        try (SnapshotCore core = create()) {
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x11, 4096)));
            core.createSnapshot("small");
            core.resize(oddEnd);
            core.origin().write(2 * SIZE, ByteBuffer.wrap(Filled.bytes(0x22, 1536)));
            core.createSnapshot("odd");
            core.resize(3 * SIZE);
            core.origin().write(0, ByteBuffer.wrap(Filled.bytes(0x55, 4096)));
            core.origin().write(SIZE, ByteBuffer.wrap(Filled.bytes(0x33, 64 << 10))); // copies past small's end
            core.origin().write(2 * SIZE, ByteBuffer.wrap(Filled.bytes(0x44, 64 << 10))); // across odd's end

            core.rollback("small");
            awaitRollback(core);
            assertArrayEquals(Filled.bytes(0x11, 4096), read(core.origin(), 0, 4096), "rolled back");
            assertArrayEquals(Filled.bytes(0x33, 64 << 10), read(core.origin(), SIZE, 64 << 10), "past small's end");
            assertArrayEquals(Filled.bytes(0x44, 64 << 10), read(core.origin(), 2 * SIZE, 64 << 10));

            core.rollback("odd");
            assertArrayEquals(Filled.bytes(0x44, 4096), read(core.origin(), oddEnd, 4096), "while rolling back");
            awaitRollback(core);
            assertArrayEquals(Filled.bytes(0x22, 1536), read(core.origin(), 2 * SIZE, 1536), "odd's last bytes");
            assertArrayEquals(Filled.bytes(0x44, 4096), read(core.origin(), oddEnd, 4096), "past odd's end");
        }
        assertTrue(StoreChecker.check(SharedExceptionStore.open(FileBlockDevice.open(dir.resolve("store")), 1 << 20),
                done -> { }).clean());
    }

    private static byte[] read(LogicalUnit unit, long offset, int length) throws Exception {
        byte[] bytes = new byte[length];
        unit.read(offset, ByteBuffer.wrap(bytes));
        return bytes;
    }

    private static void awaitRollback(SnapshotCore core) throws InterruptedException {
        for (int i = 0; i < 500 && core.rollbackStatus().isPresent(); i++) {
            Thread.sleep(20);
        }
        assertTrue(core.rollbackStatus().isEmpty(), "the rollback did not finish in 10 s");
    }

    @Test
    void aResizeCutShortByACrashIsCompletedAtTheNextStart() throws Exception {
        create().close();
        try (FileBlockDevice origin = FileBlockDevice.open(dir.resolve("origin"))) {
            origin.grow(2 * SIZE); // the origin grew, then the power went before the store's commit
            origin.flush();
        }
        try (SnapshotCore core = open()) {
            assertEquals(2 * SIZE, core.origin().sizeBytes());
            core.createSnapshot("s");
            core.origin().write(2 * SIZE - 4096, ByteBuffer.wrap(Filled.bytes(0x44, 4096))); // needs the store to know
            byte[] back = new byte[4096];
            core.origin().read(2 * SIZE - 4096, ByteBuffer.wrap(back));
            assertArrayEquals(Filled.bytes(0x44, 4096), back);
        }
    }

    /** Issue 25: offset + length past Long.MAX_VALUE wraps negative; the units check by subtract-compare. */
    @Test
    void rangesPastTheUnitAreRefusedEvenWhenTheirEndOverflows() throws Exception {
        try (SnapshotCore core = create()) {
            LogicalUnit origin = core.origin();
            long nearTheTop = Long.MAX_VALUE - 100;
            assertThrows(java.io.IOException.class, () -> origin.write(nearTheTop, ByteBuffer.allocate(512)));
            assertThrows(java.io.IOException.class, () -> origin.writeZeros(4096, Long.MAX_VALUE - 10));
            assertThrows(java.io.IOException.class, () -> origin.unmap(SIZE - 4096, 8192));
            assertThrows(java.io.IOException.class, () -> origin.read(-512, ByteBuffer.allocate(512)));
            origin.write(SIZE - 512, ByteBuffer.wrap(Filled.bytes(0x42, 512))); // the last block is inside
            LogicalUnit snapshot = core.createSnapshot("s");
            assertThrows(java.io.IOException.class, () -> snapshot.read(nearTheTop, ByteBuffer.allocate(512)));
        }
    }
}
