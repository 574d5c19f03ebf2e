package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.snapshare.device.BlockDevice;

/**
 * The commit ring: commit S goes to slot S mod 8, and in format 3 to the same
 * slot of the mirror ring too. The newest commit is the valid copy with the
 * highest sequence number in either ring, in its right slot (format 5: and
 * whose named chunks hold what it wrote).
 */
final class CommitRing {

    private CommitRing() {
    }

    /**
     * The newest commit, whether one of its two places (format 3) does not
     * hold it, and the sequence of a newer commit found torn (format 5: its
     * slot reached the disk, not all of its blocks), or -1.
     */
    record Newest(CommitBlock commit, boolean copyMissing, long tornSequence) {
    }

    /** A valid slot as read: the commit and its bytes (two copies agree when their bytes do). */
    private record Candidate(CommitBlock commit, ByteBuffer bytes) {
    }

    /**
     * The newest commit whose slot is valid; with {@code verify}, also whose
     * named chunks (format 5) hold what it says, else the one before it: the
     * blocks of a commit made with one flush may not all have reached the disk
     * when the power went. Mount verifies; a fencing look at the ring does not.
     */
    static Newest read(BlockDevice device, Superblock superblock, boolean verify) throws IOException {
        List<Candidate> candidates = new ArrayList<>();
        boolean mirrored = superblock.layout().mirrored;
        for (int ring = 0; ring < (mirrored ? 2 : 1); ring++) {
            for (int i = 0; i < CommitBlock.SLOTS; i++) {
                ByteBuffer slot = ByteBuffer.allocate(CommitBlock.SIZE);
                device.read(offset(ring, i), slot);
                CommitBlock commit = CommitBlock.decode(slot.clear(), superblock);
                if (commit != null && commit.sequence % CommitBlock.SLOTS == i) {
                    candidates.add(new Candidate(commit, slot));
                }
            }
        }
        candidates.sort(Comparator.comparingLong((Candidate c) -> c.commit().sequence).reversed());
        long torn = -1;
        long newest = candidates.isEmpty() ? -1 : candidates.get(0).commit().sequence;
        for (Candidate candidate : candidates) {
            // Only the newest can be torn: a commit's blocks are flushed before the next commit writes anything.
            if (verify && candidate.commit().sequence == newest && !whole(device, superblock, candidate.commit())) {
                torn = newest;
                continue;
            }
            long copies = candidates.stream().filter(c -> c.bytes().equals(candidate.bytes())).count();
            return new Newest(candidate.commit(), copies < (mirrored ? 2 : 1), torn);
        }
        throw new StoreCorruptException("no valid commit block in any of the " + CommitBlock.SLOTS + " slots"
                + (mirrored ? " of either ring" : "") + (torn >= 0 ? " (commit " + torn + " was torn)" : "")
                + ": the store cannot be mounted");
    }

    /** Whether every chunk the commit names holds what it wrote there (trivially so when it names none). */
    private static boolean whole(BlockDevice device, Superblock superblock, CommitBlock commit) throws IOException {
        int chunkSize = superblock.chunkSize();
        ByteBuffer chunk = ByteBuffer.allocate(chunkSize);
        ByteBuffer nodePage = chunk.slice(0, superblock.layout().nodeBytes(chunkSize)); // a node's block: its first page
        for (Map.Entry<Long, Integer> listed : commit.listed.entrySet()) {
            long offset = listed.getKey() * chunkSize;
            if (offset + chunkSize > device.size()) {
                return false;
            }
            ByteBuffer written = (commit.listedNodes.contains(listed.getKey()) ? nodePage : chunk).clear();
            device.read(offset, written);
            if (TransactionWrites.crc(written) != listed.getValue()) {
                return false;
            }
        }
        return true;
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

    /** Empties both places of commit {@code sequence} (not flushed): a commit that must never be taken. */
    static void erase(BlockDevice device, long sequence) throws IOException {
        device.write(StoreLayout.slotOffset(sequence), ByteBuffer.allocate(CommitBlock.SIZE));
        device.write(StoreLayout.mirrorSlotOffset(sequence), ByteBuffer.allocate(CommitBlock.SIZE));
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

    /** Drops both rings from the device's cache, so the next read sees what another node wrote there. */
    static void dropCache(BlockDevice device, Superblock superblock) throws IOException {
        device.dropCache(StoreLayout.RING_OFFSET, superblock.layout().fixedBytes() - StoreLayout.RING_OFFSET);
    }
}
