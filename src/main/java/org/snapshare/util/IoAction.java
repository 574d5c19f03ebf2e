package org.snapshare.util;

import java.io.IOException;

/** Work with no result that may fail with an I/O error. */
@FunctionalInterface
public interface IoAction {
    void run() throws IOException;
}
