package org.snapshare.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write recorder's log and the disk-cache model that rebuilds devices from it. */
class PowerCutImageTest {

    private static final int PAGE = PowerCutImage.PAGE;

    @TempDir
    Path dir;

    /** Page 0: A flushed, then B; pages 1-2: C in one write; a flush that began before C covers only A. */
    private long[] recordSequence(Path device, Path log) throws Exception {
        WriteRecorder recorder = WriteRecorder.open(log);
        WriteRecorder.Device recorded = recorder.register(device, 4 * PAGE);
        recorded.wrote(System.nanoTime(), 0, page('A', 1));
        recorded.flushed(System.nanoTime());
        long afterFirstFlush = System.nanoTime();
        recorded.wrote(System.nanoTime(), 0, page('B', 1));
        long secondFlushStart = System.nanoTime();
        recorded.wrote(secondFlushStart + 1, PAGE, page('C', 2)); // ends after the flush began: not covered
        recorded.flushed(secondFlushStart);
        long afterSecondFlush = System.nanoTime();
        recorded.punched(System.nanoTime(), 3 * PAGE, PAGE);
        return new long[] {afterFirstFlush, afterSecondFlush, System.nanoTime()};
    }

    private static ByteBuffer page(char fill, int pages) {
        byte[] bytes = new byte[pages * PAGE];
        Arrays.fill(bytes, (byte) fill);
        return ByteBuffer.wrap(bytes);
    }

    private byte[] image(RecordedWrites log, Path baseline, long cut, long seed, double keepOld) throws Exception {
        Path target = dir.resolve("image-" + seed);
        PowerCutImage.write(log, log.deviceId(dir.resolve("dev")), baseline, cut, new Random(seed * 0x9E3779B97F4A7C15L), keepOld, target);
        return Files.readAllBytes(target);
    }

    @Test
    void flushedPagesAreKeptAndUnflushedOnesMixPerPage() throws Exception {
        Path baseline = dir.resolve("baseline");
        byte[] old = new byte[4 * PAGE];
        Arrays.fill(old, (byte) 'o');
        Files.write(baseline, old);
        long[] cuts = recordSequence(dir.resolve("dev"), dir.resolve("log"));
        RecordedWrites log = RecordedWrites.read(dir.resolve("log"));
        assertEquals(6, log.changes().size());

        for (long seed = 0; seed < 8; seed++) { // only A was written and flushed by then
            assertEquals("Aooo", pages(image(log, baseline, cuts[0], seed, 0.5)));
        }
        assertEquals("Booo", pages(image(log, baseline, cuts[2], 1, 1.0)), "every unflushed page lost");
        assertEquals("BCCz", pages(image(log, baseline, cuts[2], 1, 0.0)), "every unflushed page kept");
        Set<String> mixes = new HashSet<>();
        for (long seed = 0; seed < 64; seed++) {
            mixes.add(pages(image(log, baseline, cuts[2], seed, 0.5)));
        }
        // B was flushed (it ended before the second flush began); C did not, and may be torn across its pages.
        assertTrue(mixes.stream().allMatch(p -> p.charAt(0) == 'B'), mixes.toString());
        assertEquals(Set.of("Booo", "BCoo", "BoCo", "BCCo", "Booz", "BCoz", "BoCz", "BCCz"), mixes);
    }

    @Test
    void aCutBeforeAnyChangeGivesTheBaseline() throws Exception {
        Path baseline = dir.resolve("baseline");
        byte[] old = new byte[4 * PAGE];
        new Random(1).nextBytes(old);
        Files.write(baseline, old);
        long before = System.nanoTime();
        recordSequence(dir.resolve("dev"), dir.resolve("log"));
        assertArrayEquals(old, image(RecordedWrites.read(dir.resolve("log")), baseline, before, 3, 0.0));
    }

    /** Each page as one letter: its fill, 'z' for zeros. */
    private static String pages(byte[] image) {
        StringBuilder letters = new StringBuilder();
        for (int offset = 0; offset < image.length; offset += PAGE) {
            letters.append(image[offset] == 0 ? 'z' : (char) image[offset]);
        }
        return letters.toString();
    }
}
