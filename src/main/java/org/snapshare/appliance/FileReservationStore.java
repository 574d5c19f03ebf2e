package org.snapshare.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.snapshare.device.DurableFiles;
import org.snapshare.iscsi.scsi.ReservationStore;

/**
 * A target's persistent reservations in a file of the volume's directory
 * (volumes/NAME/reservations, or reservations.SNAPSHOT), kept while an
 * initiator asks for APTPL. Saved as a new file, forced, then renamed over
 * the old one, so a crash leaves the old state or the new, never a mix.
 */
final class FileReservationStore implements ReservationStore {

    static final String FILE = "reservations";

    private final Path file;

    FileReservationStore(Path file) {
        this.file = file;
    }

    /** The store of the origin ({@code snapshot} null) or a snapshot of the volume in {@code volumeDir}. */
    static FileReservationStore of(Path volumeDir, String snapshot) {
        return new FileReservationStore(volumeDir.resolve(snapshot == null ? FILE : FILE + "." + snapshot));
    }

    @Override
    public Optional<String> load() throws IOException {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void save(String state) throws IOException {
        if (state.isEmpty()) {
            DurableFiles.remove(file);
        } else {
            DurableFiles.replace(file, state.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
