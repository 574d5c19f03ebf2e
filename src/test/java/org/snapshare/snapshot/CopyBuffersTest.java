package org.snapshare.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many writers copying for a snapshot at once (as the command workers that
 * stand in for waiting ones, on many connections) share a bounded set of
 * direct batch buffers: direct memory does not grow with the writers, and
 * every copy still holds the old data.
 */
class CopyBuffersTest {

    private static final int WRITERS = 48;

    @Test
    void concurrentFirstWritesShareABoundedSetOfBuffers(@TempDir Path dir) throws Exception {
        SmallVolume volume = new SmallVolume().formatted();
        try (SnapshotCore core = volume.open(dir.resolve("rollback"))) {
            LogicalUnit origin = core.origin();
            for (int chunk = 0; chunk < WRITERS; chunk++) {
                origin.write((long) chunk * SmallVolume.CHUNK, ByteBuffer.wrap(filled(chunk)));
            }
            LogicalUnit snapshot = core.createSnapshot("before");
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int chunk = 0; chunk < WRITERS; chunk++) {
                    long offset = (long) chunk * SmallVolume.CHUNK;
                    done.add(writers.submit(() -> {
                        origin.write(offset, ByteBuffer.wrap(filled(0xEE)));
                        return null;
                    }));
                }
                for (Future<?> writer : done) {
                    writer.get(60, TimeUnit.SECONDS);
                }
            } finally {
                writers.shutdown();
            }
            assertTrue(CopyBuffers.allocated() <= CopyBuffers.COUNT, CopyBuffers.allocated() + " buffers made");
            for (int chunk = 0; chunk < WRITERS; chunk++) {
                ByteBuffer old = ByteBuffer.allocate(SmallVolume.CHUNK);
                snapshot.read((long) chunk * SmallVolume.CHUNK, old);
                assertArrayEquals(filled(chunk), old.array(), "chunk " + chunk + " as the snapshot has it");
            }
        }
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[SmallVolume.CHUNK];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
