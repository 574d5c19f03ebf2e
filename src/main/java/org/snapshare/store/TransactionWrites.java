package org.snapshare.store;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The chunks written for the open transaction, each with the CRC32C of its
 * whole content, so the commit block can name them (format 5) and mount can
 * tell a commit whose blocks did not all reach the disk: then the commit
 * needs one flush, not two. Only chunks that never change once written may
 * be named (shadowed metadata blocks, copy-on-write copies); a write of
 * anything else makes the transaction unlisted, committed the two-flush way.
 */
final class TransactionWrites {

    /** What one transaction wrote: chunk -> CRC32C of the chunk. */
    record Listed(Map<Long, Integer> crcs) {
    }

    private Map<Long, Integer> written = new LinkedHashMap<>();
    private boolean unlisted;

    /** What a chunk's entry in the list holds: the CRC32C of its whole content (as copied data's checksum). */
    static int crc(ByteBuffer wholeChunk) {
        return (int) DataChecksum.of(wholeChunk.duplicate().rewind());
    }

    /** A whole chunk written that stays as it is until it is freed. */
    void name(long chunk, ByteBuffer wholeChunk) {
        name(chunk, crc(wholeChunk));
    }

    /** The same, its checksum known already. */
    synchronized void name(long chunk, int crc) {
        written.put(chunk, crc);
    }

    /** A write the commit cannot vouch for by checksum (data written in place): flush it before the commit. */
    synchronized void noteInPlaceWrite() {
        unlisted = true;
    }

    /** What was written since the last take, then starts over; empty when something was written unlisted. */
    synchronized Optional<Listed> take() {
        Optional<Listed> taken = unlisted ? Optional.empty() : Optional.of(new Listed(written));
        written = new LinkedHashMap<>();
        unlisted = false;
        return taken;
    }
}
