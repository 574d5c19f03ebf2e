package org.snapshare.stream;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.snapshare.snapshot.LogicalUnit;

/**
 * What a stream is of (docs/STREAM.md, header record): the source volume and
 * its size, the snapshot and, for an incremental stream, the base it
 * applies on, both with their identities; where a resumed stream starts;
 * how many bytes its records cover (for progress).
 */
public record StreamHeader(String volume, long sizeBytes, int chunkSize, String snapshot, UUID identity,
        Instant created, Optional<Base> base, long resumeFrom, long coveredBytes) {

    /** The snapshot an incremental stream applies on: the receiver must hold it, with this identity. */
    public record Base(String name, UUID identity, long sizeBytes) {
    }

    static final long MAGIC = ByteBuffer.wrap("SNAPSEND".getBytes(StandardCharsets.US_ASCII)).getLong();
    /** The stream format this build writes and the newest it reads. */
    public static final int VERSION = 1;
    private static final int FULL = 1;
    private static final int INCREMENTAL = 2;
    private static final int MAX_NAME_BYTES = 255;

    public boolean incremental() {
        return base.isPresent();
    }

    /** The same stream, started over at volume byte {@code offset}, covering {@code bytes} from there. */
    public StreamHeader resumedAt(long offset, long bytes) {
        return new StreamHeader(volume, sizeBytes, chunkSize, snapshot, identity, created, base, offset, bytes);
    }

    /** Whether {@code other} is this stream, wherever each starts: the same snapshot on the same base. */
    public boolean sameStreamAs(StreamHeader other) {
        return sizeBytes == other.sizeBytes && identity.equals(other.identity) && snapshot.equals(other.snapshot)
                && base.map(Base::identity).equals(other.base.map(Base::identity));
    }

    ByteBuffer encode() {
        byte[] volumeName = utf8(volume);
        byte[] snapshotName = utf8(snapshot);
        byte[] baseName = utf8(base.map(Base::name).orElse(""));
        ByteBuffer payload = ByteBuffer.allocate(96 + 6 + volumeName.length + snapshotName.length + baseName.length);
        payload.putLong(MAGIC).putInt(VERSION).put((byte) (incremental() ? INCREMENTAL : FULL)).put(new byte[3])
                .putLong(sizeBytes).putInt(chunkSize).putInt(0)
                .putLong(identity.getMostSignificantBits()).putLong(identity.getLeastSignificantBits())
                .putLong(created.toEpochMilli());
        UUID baseIdentity = base.map(Base::identity).orElse(new UUID(0, 0));
        payload.putLong(baseIdentity.getMostSignificantBits()).putLong(baseIdentity.getLeastSignificantBits())
                .putLong(base.map(Base::sizeBytes).orElse(0L)).putLong(resumeFrom).putLong(coveredBytes);
        for (byte[] name : new byte[][] {volumeName, snapshotName, baseName}) {
            payload.putShort((short) name.length).put(name);
        }
        return payload.flip();
    }

    private static byte[] utf8(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("name of " + bytes.length + " bytes");
        }
        return bytes;
    }

    static StreamHeader decode(ByteBuffer payload) throws StreamException {
        try {
            if (payload.getLong() != MAGIC) {
                throw new StreamException("not a snapshare stream: its header record lacks the magic SNAPSEND");
            }
            int version = payload.getInt();
            if (version < 1 || version > VERSION) {
                throw new StreamException("stream format version " + version + " is not supported (this build reads 1"
                        + " to " + VERSION + "): import it with the snapshare release that exported it, or newer");
            }
            int kind = payload.get();
            payload.position(payload.position() + 3);
            long sizeBytes = payload.getLong();
            int chunkSize = payload.getInt();
            payload.getInt();
            UUID identity = new UUID(payload.getLong(), payload.getLong());
            Instant created = Instant.ofEpochMilli(payload.getLong());
            UUID baseIdentity = new UUID(payload.getLong(), payload.getLong());
            long baseSize = payload.getLong();
            long resumeFrom = payload.getLong();
            long covered = payload.getLong();
            String volume = name(payload);
            String snapshot = name(payload);
            String baseName = name(payload);
            if ((kind != FULL && kind != INCREMENTAL) || sizeBytes <= 0 || resumeFrom < 0 || resumeFrom > sizeBytes
                    || sizeBytes % LogicalUnit.BLOCK_SIZE != 0 || baseSize < 0 || baseSize % LogicalUnit.BLOCK_SIZE != 0
                    || payload.hasRemaining()) {
                throw new StreamException("the stream's header record is malformed (kind " + kind + ", size "
                        + sizeBytes + ", base size " + baseSize + ", resume offset " + resumeFrom + ")");
            }
            Optional<Base> base = kind == INCREMENTAL ? Optional.of(new Base(baseName, baseIdentity, baseSize))
                    : Optional.empty();
            return new StreamHeader(volume, sizeBytes, chunkSize, snapshot, identity, created, base, resumeFrom,
                    covered);
        } catch (BufferUnderflowException e) {
            throw new StreamException("the stream's header record is too short");
        }
    }

    private static String name(ByteBuffer payload) {
        byte[] bytes = new byte[payload.getShort() & 0xffff];
        payload.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
