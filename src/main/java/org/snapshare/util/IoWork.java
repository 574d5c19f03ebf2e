package org.snapshare.util;

import java.io.IOException;

/** Work that returns a result and may fail with an I/O error: what locks, gates and retries wrap. */
@FunctionalInterface
public interface IoWork<T> {
    T run() throws IOException;
}
