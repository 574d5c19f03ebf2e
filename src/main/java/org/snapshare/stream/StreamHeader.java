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

    /**
     * The snapshot an incremental stream applies on: the receiver must hold
     * it, with this identity. {@code parent}: it is the snapshot's parent in
     * the source's tree, so the receiver takes the snapshot of it rather than
     * of its origin (kind 3, format version 2).
     */
    public record Base(String name, UUID identity, long sizeBytes, boolean parent) {
    }

    static final long MAGIC = ByteBuffer.wrap("SNAPSEND".getBytes(StandardCharsets.US_ASCII)).getLong();
    /** The newest stream format this build reads; it writes version 1 unless the stream needs kind 3. */
    public static final int VERSION = 2;
    private static final int FULL = 1;
    private static final int INCREMENTAL = 2;
    /** Incremental on the snapshot's parent (version 2 on). */
    private static final int CHILD = 3;
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
        int kind = base.isEmpty() ? FULL : base.get().parent() ? CHILD : INCREMENTAL;
        payload.putLong(MAGIC).putInt(kind == CHILD ? 2 : 1).put((byte) kind).put(new byte[3])
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
            if (kind < FULL || kind > (version >= 2 ? CHILD : INCREMENTAL) || sizeBytes <= 0 || resumeFrom < 0 || resumeFrom > sizeBytes
                    || sizeBytes % LogicalUnit.BLOCK_SIZE != 0 || baseSize < 0 || baseSize % LogicalUnit.BLOCK_SIZE != 0
                    || payload.hasRemaining()) {
                throw new StreamException("the stream's header record is malformed (kind " + kind + ", size "
                        + sizeBytes + ", base size " + baseSize + ", resume offset " + resumeFrom + ")");
            }
            Optional<Base> base = kind == FULL ? Optional.empty()
                    : Optional.of(new Base(baseName, baseIdentity, baseSize, kind == CHILD));
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
