package org.snapshare.stream;

/** The stream ended before its end record: the sender stopped (or the pipe broke); a resume can continue it. */
public final class StreamTruncatedException extends StreamException {

    private static final long serialVersionUID = 1L;

    public StreamTruncatedException(String message) {
        super(message);
    }
}
