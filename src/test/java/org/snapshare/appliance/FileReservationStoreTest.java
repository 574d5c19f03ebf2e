package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reservations file: saved whole by rename, read back, removed by an empty state and with its volume. */
class FileReservationStoreTest {

    @Test
    void savesReadsAndRemoves(@TempDir Path dir) throws Exception {
        FileReservationStore origin = FileReservationStore.of(dir, null);
        FileReservationStore snapshot = FileReservationStore.of(dir, "s1");
        assertEquals(Optional.empty(), origin.load());
        origin.save("state one\n");
        origin.save("state two\n");
        snapshot.save("snapshot state\n");
        assertEquals(Optional.of("state two\n"), origin.load());
        assertEquals(Optional.of("snapshot state\n"), snapshot.load());
        assertTrue(Files.isRegularFile(dir.resolve("reservations.s1")));
        assertFalse(Files.exists(dir.resolve("reservations.new")), "no temporary left behind");
        origin.save("");
        assertEquals(Optional.empty(), origin.load());
    }

    @Test
    void deletingAVolumeRemovesItsReservationFiles(@TempDir Path dataDir) throws Exception {
        VolumeCatalog catalog = new VolumeCatalog(dataDir, 65536);
        catalog.create("v", 1 << 20).close();
        FileReservationStore.of(catalog.volumeDir("v"), null).save("kept\n");
        FileReservationStore.of(catalog.volumeDir("v"), "s").save("kept\n");
        catalog.delete("v");
        assertFalse(Files.exists(catalog.volumeDir("v")));
    }
}
