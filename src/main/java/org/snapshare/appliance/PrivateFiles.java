package org.snapshare.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The data directory's private folder for secrets (API tokens, the TLS key): only the server's user enters it. */
final class PrivateFiles {

    private PrivateFiles() {
    }

    /** Makes {@code dir} if needed and leaves it mode 0700, so nothing in it is readable by others. */
    static void createDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
}
