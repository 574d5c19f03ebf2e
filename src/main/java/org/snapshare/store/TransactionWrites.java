package org.snapshare.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The chunks written for the open transaction, each with the CRC32C of its
 * whole content, so the commit block can name them (format 5) and mount can
 * tell a commit whose blocks did not all reach the disk: then the commit
 * needs one flush, not two. Only chunks that never change once written may
 * be named (shadowed metadata blocks, copy-on-write copies); a write of
 * anything else makes the transaction unlisted, committed the two-flush way.
 */
final class TransactionWrites {

    /**
     * What one transaction wrote: chunk -> CRC32C of the chunk, and the
     * chunks of those that hold a tree node of format 7, whose CRC covers
     * only the node (the start of the chunk).
     */
    record Listed(Map<Long, Integer> crcs, Set<Long> nodes) {
    }

    private Map<Long, Integer> written = new LinkedHashMap<>();
    private Set<Long> nodes = new HashSet<>();
    private List<Long> copies = new ArrayList<>();
    private boolean unlisted;

    /** What a chunk's entry in the list holds: the CRC32C of what was written (as copied data's checksum). */
    static int crc(ByteBuffer written) {
        return (int) DataChecksum.of(written.duplicate().rewind());
    }

    /**
     * A block written at the start of a chunk, that stays as it is until the chunk is freed. A chunk
     * freed and written again in one transaction is named as last written: a node, or a whole chunk.
     */
    synchronized void name(long chunk, ByteBuffer block, boolean wholeChunk) {
        written.put(chunk, crc(block));
        if (wholeChunk) {
            nodes.remove(chunk);
        } else {
            nodes.add(chunk);
        }
    }

    /** A whole chunk written, its checksum known already (a copy-on-write copy). */
    synchronized void name(long chunk, int crc) {
        written.put(chunk, crc);
        nodes.remove(chunk);
        copies.add(chunk);
    }

    /** The copies written since the last call, listed or not. */
    synchronized List<Long> takeCopies() {
        List<Long> taken = copies;
        copies = new ArrayList<>();
        return taken;
    }

    /** A write the commit cannot vouch for by checksum (data written in place): flush it before the commit. */
    synchronized void noteInPlaceWrite() {
        unlisted = true;
    }

    /** What was written since the last take, then starts over; empty when something was written unlisted. */
    synchronized Optional<Listed> take() {
        Optional<Listed> taken = unlisted ? Optional.empty() : Optional.of(new Listed(written, nodes));
        written = new LinkedHashMap<>();
        nodes = new HashSet<>();
        unlisted = false;
        return taken;
    }
}
