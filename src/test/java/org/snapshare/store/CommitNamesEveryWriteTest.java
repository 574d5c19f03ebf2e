package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.device.ForwardingDevice;

/**
 * Issue 26: a one-flush commit (format 5) goes out under the same flush as
 * the blocks of its transaction, so it must name every one of them: a block
 * it does not name can be lost by the disk cache while the commit survives,
 * and mount would then take the commit over a stale block. A commit that
 * names nothing must find every block of its transaction flushed before it.
 * Whatever object wrote a block (tree, space map, snapshot table, range
 * counters, copies), this test watches the device, not the objects.
 */
class CommitNamesEveryWriteTest {

    private static final int CHUNK = 4096;

    /** Records the writes since the last flush and checks each commit block written against them. */
    private static final class WatchingDevice extends ForwardingDevice {
        private final List<long[]> unflushed = new ArrayList<>();
        private final List<String> violations = new ArrayList<>();
        private Superblock superblock;
        private int oneFlushCommits;

        WatchingDevice(FaultInjectingDevice device) {
            super(device);
        }

        void watch() throws IOException {
            ByteBuffer header = ByteBuffer.allocate(Superblock.SIZE);
            device.read(0, header);
            superblock = Superblock.decode(header.clear());
            unflushed.clear();
        }

        @Override
        public synchronized void write(long offset, ByteBuffer src) throws IOException {
            if (superblock != null && offset < superblock.layout().fixedBytes() && offset >= StoreLayout.RING_OFFSET
                    && src.remaining() == CommitBlock.SIZE) {
                CommitBlock commit = CommitBlock.decode(src.duplicate(), superblock);
                if (commit != null) {
                    check(commit);
                }
            } else if (superblock != null && offset >= superblock.layout().fixedBytes()) {
                unflushed.add(new long[] {offset, src.remaining()});
            }
            device.write(offset, src);
        }

        private void check(CommitBlock commit) {
            if (!commit.listed.isEmpty()) {
                oneFlushCommits++;
            }
            for (long[] write : unflushed) {
                for (long chunk = write[0] / CHUNK; chunk * CHUNK < write[0] + write[1]; chunk++) {
                    if (!commit.listed.containsKey(chunk)) {
                        violations.add("commit " + commit.sequence + " (naming " + commit.listed.keySet()
                                + ") went out with chunk " + chunk + " written and not flushed, not named");
                        return;
                    }
                }
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            device.flush();
            unflushed.clear();
        }

    }

    @Test
    void everyBlockWrittenBeforeAOneFlushCommitIsNamedInIt() throws Exception {
        WatchingDevice device = new WatchingDevice(new FaultInjectingDevice(4 << 20));
        SharedExceptionStore.format(device, CHUNK, 256L * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20);
        device.watch();
        Random random = new Random(26);
        List<Long> ids = new ArrayList<>();
        for (int round = 0; round < 40; round++) {
            if (ids.size() < 3 || random.nextInt(5) == 0) {
                ids.add(store.createSnapshot("s" + round).id());
            }
            long id = ids.get(random.nextInt(ids.size()));
            if (random.nextInt(4) == 0) { // as a background delete does: an entry goes, its chunk is freed
                long originChunk = random.nextInt(256);
                java.util.Optional<ExceptionEntry> old = store.find(originChunk, id);
                if (old.isPresent() && old.get().fromId() == id && old.get().toId() == id) {
                    store.removeEntry(originChunk, id);
                    store.freeChunk(old.get().storeChunk());
                }
            }
            for (int copies = 1 + random.nextInt(3); copies > 0; copies--) {
                long originChunk = random.nextInt(256);
                if (store.find(originChunk, id).isEmpty()) {
                    long copy = store.allocateChunk();
                    byte[] data = new byte[CHUNK];
                    Arrays.fill(data, (byte) round);
                    store.writeCopy(copy, ByteBuffer.wrap(data), DataChecksum.of(ByteBuffer.wrap(data)));
                    store.addEntry(new ExceptionEntry(originChunk, id, id, copy));
                }
            }
            store.commit();
        }
        assertTrue(device.oneFlushCommits > 10, "the workload made one-flush commits: " + device.oneFlushCommits);
        assertTrue(device.violations.isEmpty(), device.violations.size() + " commits went out naming too little:\n"
                + String.join("\n", device.violations.subList(0, Math.min(5, device.violations.size()))));
    }
}
