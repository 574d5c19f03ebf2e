package org.snapshare.stream;

import java.io.IOException;

/** A stream that cannot be used: damaged, truncated, of another version, or not for this target. */
public class StreamException extends IOException {

    private static final long serialVersionUID = 1L;

    public StreamException(String message) {
        super(message);
    }
}
