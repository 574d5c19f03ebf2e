package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `snapshare check` on the states a crash inside a resize leaves, and on files that do not belong together. */
class VolumeCheckTest {

    private static final long SIZE = 4L << 20;

    @TempDir
    Path dataDir;

    private Path volumeWithOriginOf(long originBytes) throws Exception {
        VolumeCatalog catalog = new VolumeCatalog(dataDir, 64 << 10);
        catalog.create("v", SIZE).close();
        Path dir = catalog.volumeDir("v");
        try (FileChannel origin = FileChannel.open(dir.resolve("origin.img"), StandardOpenOption.WRITE)) {
            if (originBytes > SIZE) {
                origin.write(ByteBuffer.allocate(1), originBytes - 1);
            } else {
                origin.truncate(originBytes);
            }
        }
        return dir;
    }

    private static String check(Path dir, boolean[] clean) throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        clean[0] = VolumeCheck.checkVolume(dir, new PrintStream(text, true, StandardCharsets.UTF_8),
                new PrintStream(OutputStream.nullOutputStream()));
        return text.toString(StandardCharsets.UTF_8);
    }

    /** Found by the power-cut check: the origin had grown and been flushed, the store and metadata not yet. */
    @Test
    void aResizeCutShortAfterTheOriginGrewIsANoteNotAProblem() throws Exception {
        Path dir = volumeWithOriginOf(2 * SIZE);
        boolean[] clean = {false};
        String report = check(dir, clean);
        assertTrue(clean[0], report);
        assertTrue(report.contains("note: a resize was cut short by a crash: the origin has grown to " + 2 * SIZE),
                report);
        assertTrue(report.contains("note: a resize was cut short by a crash: the store knows 64 origin chunks, the"
                + " origin has 128"), report);
    }

    @Test
    void anOriginSmallerThanItsStoreAndMetadataSayIsAProblem() throws Exception {
        Path dir = volumeWithOriginOf(SIZE / 2);
        boolean[] clean = {true};
        String report = check(dir, clean);
        assertFalse(clean[0], report);
        assertTrue(report.contains("problem: the origin is " + SIZE / 2 + " bytes, but volume.properties records "
                + SIZE), report);
        assertTrue(report.contains("problem: the store records an origin of 64 chunks, the origin has 32: the"
                + " files do not belong together"), report);
    }
}
