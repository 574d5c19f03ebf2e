package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.snapshare.device.BlockDevice;

/**
 * The commit ring: commit S goes to slot S mod 8, and in format 3 to the same
 * slot of the mirror ring too. The newest commit is the valid copy with the
 * highest sequence number in either ring, in its right slot.
 */
final class CommitRing {

    private CommitRing() {
    }

    /** The newest commit, and whether one of its two places (format 3) does not hold it. */
    record Newest(CommitBlock commit, boolean copyMissing) {
    }

    static Newest read(BlockDevice device, Superblock superblock) throws IOException {
        CommitBlock newest = null;
        int copies = 0;
        ByteBuffer slot = ByteBuffer.allocate(CommitBlock.SIZE);
        boolean mirrored = superblock.layout().mirrored;
        for (int ring = 0; ring < (mirrored ? 2 : 1); ring++) {
            for (int i = 0; i < CommitBlock.SLOTS; i++) {
                device.read(offset(ring, i), slot.clear());
                CommitBlock commit = CommitBlock.decode(slot.clear(), superblock);
                if (commit == null || commit.sequence % CommitBlock.SLOTS != i) {
                    continue;
                }
                if (newest == null || commit.sequence > newest.sequence) {
                    newest = commit;
                    copies = 1;
                } else if (commit.sequence == newest.sequence) {
                    copies++;
                }
            }
        }
        if (newest == null) {
            throw new StoreCorruptException("no valid commit block in any of the " + CommitBlock.SLOTS
                    + " slots" + (mirrored ? " of either ring" : "") + ": the store cannot be mounted");
        }
        return new Newest(newest, copies < (mirrored ? 2 : 1));
    }

    private static long offset(int ring, long sequence) {
        return ring == 0 ? StoreLayout.slotOffset(sequence) : StoreLayout.mirrorSlotOffset(sequence);
    }

    /** Writes {@code commit} to its slot, and its copy (not flushed). */
    static void write(BlockDevice device, Superblock superblock, CommitBlock commit) throws IOException {
        ByteBuffer encoded = commit.encode(superblock);
        device.write(StoreLayout.slotOffset(commit.sequence), encoded);
        if (superblock.layout().mirrored) {
            device.write(StoreLayout.mirrorSlotOffset(commit.sequence), encoded.clear());
        }
    }

    /** Empties every slot of both rings (format). */
    static void clear(BlockDevice device, Superblock superblock) throws IOException {
        ByteBuffer empty = ByteBuffer.allocate(CommitBlock.SIZE);
        for (int ring = 0; ring < (superblock.layout().mirrored ? 2 : 1); ring++) {
            for (int slot = 0; slot < CommitBlock.SLOTS; slot++) {
                device.write(offset(ring, slot), empty.clear());
            }
        }
    }

    /** The bytes both rings take, from the first slot, for cache drops before a fencing read. */
    static long span(Superblock superblock) {
        return superblock.layout().fixedBytes() - StoreLayout.RING_OFFSET;
    }
}
