package org.snapshare.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultInjectingDeviceTest {

    private static ByteBuffer filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return ByteBuffer.wrap(bytes);
    }

    /** java.util.Random's first bits barely differ between neighbouring seeds; mix them first. */
    private static Random mixed(int seed) {
        return new Random(new java.util.SplittableRandom(seed).nextLong());
    }

    private static byte byteAt(BlockDevice device, long offset) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        device.read(offset, one);
        return one.get(0);
    }

    @Test
    void flushedWritesSurviveAndUnflushedOnesMayNot() throws IOException {
        FaultInjectingDevice device = new FaultInjectingDevice(8192);
        device.write(0, filled(512, 1));
        device.flush();
        device.write(512, filled(512, 2));
        assertEquals(2, byteAt(device, 512), "reads see unflushed writes");

        FaultInjectingDevice lost = device.powerCutDroppingAll();
        assertEquals(1, byteAt(lost, 0));
        assertEquals(0, byteAt(lost, 512));

        Set<Byte> outcomes = new HashSet<>();
        for (int seed = 0; seed < 32; seed++) {
            FaultInjectingDevice after = device.powerCut(mixed(seed), false);
            assertEquals(1, byteAt(after, 0), "flushed data always survives");
            outcomes.add(byteAt(after, 512));
        }
        assertEquals(Set.of((byte) 0, (byte) 2), outcomes, "an unflushed write is sometimes kept, sometimes lost");
    }

    @Test
    void tornWritesKeepSomeSectorsOnly() throws IOException {
        FaultInjectingDevice device = new FaultInjectingDevice(8192);
        device.write(0, filled(4096, 7));
        boolean sawTorn = false;
        for (int seed = 0; seed < 64 && !sawTorn; seed++) {
            byte[] image = device.powerCut(mixed(seed), true).contents();
            int kept = 0;
            for (int sector = 0; sector < 8; sector++) {
                kept += image[sector * 512] == 7 ? 1 : 0;
                for (int i = 1; i < 512; i++) {
                    assertEquals(image[sector * 512], image[sector * 512 + i], "sectors are kept or lost whole");
                }
            }
            sawTorn = kept > 0 && kept < 8;
        }
        assertTrue(sawTorn, "some power cut tore the write");
    }

    @Test
    void failAfterWritesStopsTheWorkload() throws IOException {
        FaultInjectingDevice device = new FaultInjectingDevice(4096);
        device.failAfterWrites(2);
        device.write(0, filled(512, 1));
        device.write(512, filled(512, 1));
        assertThrows(IOException.class, () -> device.write(1024, filled(512, 1)));
        assertThrows(IOException.class, device::flush);
        assertArrayEquals(new byte[4096], device.powerCutDroppingAll().contents());
    }
}
