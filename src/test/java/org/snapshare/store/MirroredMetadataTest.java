package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/**
 * Format 3 keeps two copies of every metadata block: one damaged copy of any
 * of them loses nothing, and the copy is written again (on read for the
 * primary, by scrub for either).
 */
class MirroredMetadataTest {

    private static final int CHUNK = 4096;
    private static final int ENTRIES = 300; // leaves hold 101 entries at 4 KiB: a root over three leaves or more

    private final FaultInjectingDevice device = new FaultInjectingDevice(8 << 20);
    /** Origin chunk -> the byte its copy is filled with. */
    private final Map<Long, Byte> model = new TreeMap<>();
    private long first;
    private long second;

    /** Where a block type lives in the newest commit: its two byte offsets on the device. */
    enum Block {
        SUPERBLOCK(store -> new long[] {0, StoreLayout.SUPERBLOCK_COPY_OFFSET}),
        COMMIT(store -> new long[] {StoreLayout.slotOffset(store.state().sequence()),
            StoreLayout.mirrorSlotOffset(store.state().sequence())}),
        INTERNAL_NODE(store -> bytes(store.state().tree().root)),
        LEAF_NODE(store -> bytes(node(store, store.state().tree().root).child(1))),
        SPACE_MAP_BITMAP(store -> bytes(store.state().space().bitmapBlocks().get(0))),
        SPACE_MAP_INDEX(store -> bytes(store.state().space().indexBlocks().get(0))),
        SNAPSHOT_TABLE(store -> bytes(store.state().table().blocks().get(0)));

        final Function<SharedExceptionStore, long[]> offsets;

        Block(Function<SharedExceptionStore, long[]> offsets) {
            this.offsets = offsets;
        }

        private static long[] bytes(BlockRef ref) {
            return new long[] {ref.primary() * CHUNK, ref.mirror() * CHUNK};
        }

        private static Node node(SharedExceptionStore store, BlockRef ref) {
            try {
                return store.readNodeUncached(ref);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static ClusterLock.Grant singleNode() {
        return new SingleNodeLock().take(Duration.ZERO).orElseThrow();
    }

    /** Two snapshots sharing a copy of each of ENTRIES origin chunks. */
    private SharedExceptionStore build() throws IOException {
        SharedExceptionStore.format(device, CHUNK, 2048L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        store.takeOver(singleNode());
        first = store.createSnapshot("first").id();
        second = store.createSnapshot("second").id();
        for (long chunk = 0; chunk < ENTRIES; chunk++) {
            long copy = store.allocateChunk();
            byte fill = (byte) (chunk * 7 + 1);
            store.writeChunk(copy, 0, ByteBuffer.wrap(filled(fill)));
            store.addEntry(new ExceptionEntry(chunk, first, second, copy));
            model.put(chunk, fill);
        }
        store.commit();
        assertEquals(2, store.state().tree().height);
        return store;
    }

    private static byte[] filled(byte value) {
        byte[] bytes = new byte[CHUNK];
        java.util.Arrays.fill(bytes, value);
        return bytes;
    }

    /** Mounts as a server does and reads everything back against the model. */
    private SharedExceptionStore mountAndVerify() throws IOException {
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        store.takeOver(singleNode());
        assertEquals(List.of("first", "second"), store.snapshots().stream().map(SnapshotInfo::name).toList());
        for (Map.Entry<Long, Byte> expected : model.entrySet()) {
            ExceptionEntry entry = store.find(expected.getKey(), first).orElseThrow();
            assertEquals(second, entry.toId());
            ByteBuffer data = ByteBuffer.allocate(CHUNK);
            store.readChunk(entry.storeChunk(), 0, data);
            assertEquals(ByteBuffer.wrap(filled(expected.getValue())), data.flip(), "chunk " + expected.getKey());
        }
        return store;
    }

    private static StoreScrub scrubAll(SharedExceptionStore store) throws IOException {
        StoreScrub scrub = new StoreScrub(store);
        int steps = 0;
        while (scrub.step()) {
            assertTrue(++steps < 1000, "scrub does not end");
        }
        return scrub;
    }

    private void assertCheckClean() throws IOException {
        CheckReport report = StoreChecker.check(SharedExceptionStore.open(device, 1 << 20), done -> { });
        assertTrue(report.clean() && report.notes().isEmpty(), report.toString());
    }

    @ParameterizedTest
    @EnumSource(Block.class)
    void aDamagedFirstCopyIsReadFromTheSecondAndHealed(Block block) throws Exception {
        long[] at = block.offsets.apply(build());
        MetadataDamage.flipAt(device, at[0] + 100);

        SharedExceptionStore store = mountAndVerify();
        assertTrue(scrubAll(store).unhealable().isEmpty());
        assertEquals(1, store.heals(), "one copy was rewritten");
        assertCheckClean();
    }

    @ParameterizedTest
    @EnumSource(Block.class)
    void aDamagedSecondCopyIsFoundByCheckAndHealedByScrub(Block block) throws Exception {
        long[] at = block.offsets.apply(build());
        MetadataDamage.flipAt(device, at[1] + 100);

        CheckReport before = StoreChecker.check(SharedExceptionStore.open(device, 1 << 20), done -> { });
        assertTrue(!before.clean() || !before.notes().isEmpty(), "check sees the bad copy");
        SharedExceptionStore store = mountAndVerify();
        StoreScrub scrub = scrubAll(store);
        assertEquals(1, store.heals(), "one copy was rewritten");
        assertTrue(scrub.unhealable().isEmpty(), scrub.unhealable().toString());
        assertCheckClean();
    }

    @Test
    void everyCommitSlotSurvivesTheLossOfOneCopy() throws Exception {
        SharedExceptionStore store = build();
        for (int slot = 0; slot < CommitBlock.SLOTS; slot++) {
            store.createSnapshot("extra" + slot);
            store.commit();
            long newest = store.state().sequence();
            MetadataDamage.flipAt(device, (slot % 2 == 0 ? StoreLayout.slotOffset(newest)
                    : StoreLayout.mirrorSlotOffset(newest)) + 64);
            SharedExceptionStore reopened = SharedExceptionStore.open(device, 1 << 20);
            assertEquals(newest, reopened.state().sequence(), "slot " + newest % CommitBlock.SLOTS);
            reopened.takeOver(singleNode());
            assertEquals(1, reopened.heals());
            store = reopened;
        }
        assertCheckClean();
    }

    @Test
    void bothCopiesOfABitmapBlockDamagedStopTheMountNamingBoth() throws Exception {
        long[] at = Block.SPACE_MAP_BITMAP.offsets.apply(build());
        MetadataDamage.flipAt(device, at[0] + 100);
        MetadataDamage.flipAt(device, at[1] + 100);
        StoreCorruptException e = assertThrows(StoreCorruptException.class,
                () -> SharedExceptionStore.open(device, 1 << 20));
        assertTrue(e.getMessage().contains("chunk " + at[0] / CHUNK) && e.getMessage().contains("its copy"),
                e.getMessage());
    }

    @Test
    void copiesLieHalfAStoreApart() throws Exception {
        SharedExceptionStore store = build();
        long half = store.chunkCount() / 2;
        for (BlockRef ref : List.of(store.state().tree().root, store.state().space().bitmapBlocks().get(0),
                store.state().table().blocks().get(0))) {
            assertTrue(ref.primary() < half && ref.mirror() >= half, ref.toString());
        }
    }
}
