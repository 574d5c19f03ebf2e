package org.snapshare.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
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
            Files.deleteIfExists(file);
            return;
        }
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(state);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            directory.force(true); // the rename itself
        }
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
