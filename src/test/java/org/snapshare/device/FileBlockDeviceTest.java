package org.snapshare.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Holes on a real file: deallocated ranges read zeros, free their blocks and show up as holes. */
class FileBlockDeviceTest {

    private static final int MIB = 1 << 20;

    /** st_blocks * 512, from stat(1): Java's attribute views do not show it. */
    private static long allocatedBytes(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "--format=%b", file.toString()).start();
        String blocks = new String(stat.getInputStream().readAllBytes()).trim();
        assertEquals(0, stat.waitFor());
        return Long.parseLong(blocks) * 512;
    }

    @Test
    void deallocatedRangeReadsZerosFreesItsBlocksAndIsReportedAsAHole(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("origin");
        try (FileBlockDevice device = FileBlockDevice.createSparse(file, 8 * MIB)) {
            byte[] ones = new byte[8 * MIB];
            Arrays.fill(ones, (byte) 1);
            device.write(0, ByteBuffer.wrap(ones));
            device.flush();
            long before = allocatedBytes(file);
            assertTrue(before >= 8 * MIB, "written file is allocated: " + before);

            device.deallocate(2 * MIB, 4 * MIB);
            device.deallocate(7 * MIB + 100, 1000); // inside one file-system block: zeroed, stays allocated
            device.flush();

            ByteBuffer all = ByteBuffer.allocate(8 * MIB);
            device.read(0, all);
            byte[] expected = ones.clone();
            Arrays.fill(expected, 2 * MIB, 6 * MIB, (byte) 0);
            Arrays.fill(expected, 7 * MIB + 100, 7 * MIB + 1100, (byte) 0);
            assertArrayEquals(expected, all.array());
            assertEquals(before - 4 * MIB, allocatedBytes(file), "the hole gives back its 4 MiB");

            assertEquals(new Extent(true, 2 * MIB), device.extentAt(0));
            assertEquals(new Extent(false, 6 * MIB), device.extentAt(3 * MIB));
            assertEquals(new Extent(true, 8 * MIB), device.extentAt(6 * MIB));
        }
    }

    private static byte[] ones(int length) {
        byte[] ones = new byte[length];
        Arrays.fill(ones, (byte) 1);
        return ones;
    }

    private static void assertHolds(FileBlockDevice device, long offset, byte[] expected) throws Exception {
        ByteBuffer back = ByteBuffer.allocate(expected.length);
        device.read(offset, back);
        assertArrayEquals(expected, back.array());
    }

}
