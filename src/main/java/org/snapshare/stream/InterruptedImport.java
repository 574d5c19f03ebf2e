package org.snapshare.stream;

import java.util.Optional;

/**
 * An import that stopped while its records arrived: the stream to go on
 * with is snapshot {@code snapshot} (since {@code base}, if incremental),
 * resumed at volume byte {@code resumeOffset} (docs/STREAM.md, Resume).
 */
public record InterruptedImport(String snapshot, Optional<String> base, long resumeOffset) {
}
