package org.snapshare.iscsi;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads a blocking channel (a connection's socket) through a direct
 * read-ahead buffer, so many small PDUs cost few system calls; a large read
 * into a direct buffer (a write command's data) goes from the socket straight
 * into it, without the JDK's copy through a temporary buffer.
 */
final class ChannelInput {

    /** At least this much still to read, and the read goes straight into the caller's buffer. */
    private static final int DIRECT_READ_FROM = 32 << 10;

    private final ReadableByteChannel channel;
    /** Read but not yet taken: between position and limit. */
    private final ByteBuffer ahead;

    ChannelInput(ReadableByteChannel channel, int readAhead) {
        this.channel = channel;
        this.ahead = ByteBuffer.allocateDirect(readAhead).flip();
    }

    /** Fills {@code dst}; false when the stream ended cleanly before its first byte. */
    boolean readFirst(ByteBuffer dst) throws IOException {
        if (!ahead.hasRemaining() && !refill()) {
            return false;
        }
        readFully(dst);
        return true;
    }

    /** Fills {@code dst} completely; an {@link EOFException} when the stream ends first. */
    void readFully(ByteBuffer dst) throws IOException {
        take(dst);
        while (dst.hasRemaining()) {
            if (dst.remaining() >= DIRECT_READ_FROM) {
                if (channel.read(dst) < 0) {
                    throw closedInsidePdu();
                }
            } else {
                if (!refill()) {
                    throw closedInsidePdu();
                }
                take(dst);
            }
        }
    }

    int readInt() throws IOException {
        ByteBuffer four = ByteBuffer.allocate(4);
        readFully(four);
        return four.getInt(0);
    }

    void skip(long count) throws IOException {
        for (long left = count; left > 0; ) {
            if (!ahead.hasRemaining() && !refill()) {
                throw closedInsidePdu();
            }
            int n = (int) Math.min(left, ahead.remaining());
            ahead.position(ahead.position() + n);
            left -= n;
        }
    }

    private static EOFException closedInsidePdu() {
        return new EOFException("connection closed inside a PDU");
    }

    private void take(ByteBuffer dst) {
        int n = Math.min(dst.remaining(), ahead.remaining());
        dst.put(dst.position(), ahead, ahead.position(), n);
        dst.position(dst.position() + n);
        ahead.position(ahead.position() + n);
    }

    /** Reads what the channel has into the empty read-ahead buffer; false at the end of the stream. */
    private boolean refill() throws IOException {
        ahead.clear();
        int n;
        do {
            n = channel.read(ahead);
        } while (n == 0);
        ahead.flip();
        return n > 0;
    }
}
