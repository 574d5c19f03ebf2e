package org.snapshare.stream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Streams an attacker would send, for tests outside this package (issue 25, attack 5). */
public final class CraftedStreams {

    private CraftedStreams() {
    }

    /**
     * A full stream of an 8 MiB volume whose one zero record runs from byte 4096 to past
     * Long.MAX_VALUE: offset + length wraps negative. The records are well formed and checksummed.
     */
    public static byte[] overflowingFullStream() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamWriter writer = new StreamWriter(out);
        writer.header(new StreamHeader("crafted", 8L << 20, 65536, "s1", UUID.randomUUID(), Instant.EPOCH,
                Optional.empty(), 0, 8L << 20));
        out.write(RecordCodec.encode(RecordType.ZEROS, 4096, Long.MAX_VALUE - 100, ByteBuffer.allocate(0)));
        writer.finish();
        return out.toByteArray();
    }
}
