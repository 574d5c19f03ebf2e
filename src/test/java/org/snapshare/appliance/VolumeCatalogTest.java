package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeCatalogTest {

    @Test
    void volumesKeepTheirDataAndIdentityAcrossReopen(@TempDir Path dataDir) throws Exception {
        VolumeCatalog catalog = new VolumeCatalog(dataDir, 65536);
        assertTrue(catalog.isNew());
        long id;
        try (Volume volume = catalog.create("vol0", 8 << 20)) {
            id = volume.uniqueId;
            volume.unit().write(4096, ByteBuffer.wrap("hello".getBytes()));
            volume.unit().flush();
        }
        assertFalse(catalog.isNew());
        List<Volume> reopened = new VolumeCatalog(dataDir, 65536).openAll();
        assertEquals(1, reopened.size());
        try (Volume volume = reopened.get(0)) {
            assertEquals("vol0", volume.name);
            assertEquals(8 << 20, volume.sizeBytes());
            assertEquals(id, volume.uniqueId);
            ByteBuffer read = ByteBuffer.allocate(5);
            volume.unit().read(4096, read);
            assertEquals("hello", new String(read.array()));
        }
    }

    @Test
    void originsAreSparse(@TempDir Path dataDir) throws Exception {
        new VolumeCatalog(dataDir, 65536).create("big", 1L << 30).close();
        {
            Path origin = dataDir.resolve("volumes/big/origin.img");
            assertEquals(1L << 30, Files.size(origin));
            Process stat = new ProcessBuilder("stat", "-c", "%b", origin.toString()).start();
            long allocatedBlocks = Long.parseLong(new String(stat.getInputStream().readAllBytes()).trim());
            assertEquals(0, stat.waitFor());
            assertTrue(allocatedBlocks * 512 < 1 << 20, "1 GiB volume allocates " + allocatedBlocks + " blocks");
        }
    }

    @Test
    void duplicatesAndBadSizesAreRefused(@TempDir Path dataDir) throws Exception {
        VolumeCatalog catalog = new VolumeCatalog(dataDir, 65536);
        catalog.create("a", 1 << 20).close();
        assertThrows(ConfigException.class, () -> catalog.create("a", 1 << 20));
        assertThrows(ConfigException.class, () -> catalog.create("b", 1000));
        assertThrows(ConfigException.class, () -> catalog.create("c", (1 << 20) + 1));
        assertThrows(ConfigException.class, () -> catalog.create("Bad", 1 << 20));
    }

    @Test
    void deleteRemovesTheFiles(@TempDir Path dataDir) throws Exception {
        VolumeCatalog catalog = new VolumeCatalog(dataDir, 65536);
        catalog.create("gone", 1 << 20).close();
        catalog.delete("gone");
        assertFalse(Files.exists(dataDir.resolve("volumes/gone")));
        assertTrue(catalog.openAll().isEmpty());
    }
}
