package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.snapshare.device.BlockDevice;

/** Flips bytes of metadata on a store device, the way a bad sector would. */
final class MetadataDamage {

    private MetadataDamage() {
    }

    /** Flips one bit of the byte at {@code offset} of a chunk. */
    static void flip(BlockDevice device, int chunkSize, long chunk, int offset) throws IOException {
        flipAt(device, chunk * chunkSize + offset);
    }

    static void flipAt(BlockDevice device, long byteOffset) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        device.read(byteOffset, one);
        one.put(0, (byte) (one.get(0) ^ 0x40));
        device.write(byteOffset, one.flip());
        device.flush();
    }

    /** Flips the byte at {@code offset} in every copy of the block: the damage no copy can heal. */
    static void flipEveryCopy(BlockDevice device, int chunkSize, BlockRef ref, int offset) throws IOException {
        for (long chunk : ref.chunks()) {
            flip(device, chunkSize, chunk, offset);
        }
    }

    /** The superblock of a store device. */
    static Superblock superblock(BlockDevice device) throws IOException {
        return Superblock.read(device, () -> { });
    }
}
