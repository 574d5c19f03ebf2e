package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Origin writes acknowledged but not yet on the origin device, because the
 * copies their chunks' snapshots need are not committed yet
 * (docs/SNAPSHOTS.md, "Deferred origin writes"). Kept per chunk as the
 * written pieces in the order they were written; reads lay them over what
 * the device holds. The bytes held count against a {@link WriteBackBudget}
 * that all volumes share.
 *
 * <p>A chunk's pieces change only under that chunk's exclusive lock and are
 * read under at least its shared lock; the map itself is concurrent, so
 * other chunks come and go meanwhile.
 */
final class PendingWrites {

    /** Bytes written at {@code offsetInChunk}; {@code sequence} orders it among all pieces. */
    private record Piece(int offsetInChunk, byte[] bytes, long sequence) {

        int end() {
            return offsetInChunk + bytes.length;
        }
    }

    /** Writes one piece of a chunk to the origin device. */
    @FunctionalInterface
    interface PieceWriter {
        void write(long chunk, int offsetInChunk, ByteBuffer bytes) throws IOException;
    }

    /**
     * Pieces one chunk may hold. Pieces that overlap without covering each other all stay, so an initiator
     * rewriting one chunk in shifting small pieces would grow its list (copied on every add, laid whole on
     * every read) up to the budget; at this many a write to the chunk commits and writes back instead.
     */
    static final int MOST_PIECES_PER_CHUNK = 64;

    private final ConcurrentHashMap<Long, List<Piece>> chunks = new ConcurrentHashMap<>();
    /** This volume's part of what the budget holds. */
    private final AtomicLong heldBytes = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private volatile WriteBackBudget budget;

    PendingWrites(WriteBackBudget budget) {
        this.budget = budget;
    }

    /** Holds against {@code shared} from now on; only while nothing is held (what was taken goes back to its own). */
    synchronized void budget(WriteBackBudget shared) {
        if (heldBytes.get() != 0) {
            throw new IllegalStateException("a volume changes its write-back budget only while it holds nothing");
        }
        budget = shared;
    }

    WriteBackBudget budget() {
        return budget;
    }

    long heldBytes() {
        return heldBytes.get();
    }

    /** No piece held. One read of a counter: it is asked on every origin read and write. */
    boolean isEmpty() {
        return heldBytes.get() == 0; // a piece's bytes are counted before it is added and until it is gone
    }

    /** The sequence number of the last piece added: pieces up to it were added before this call. */
    long lastSequence() {
        return sequence.get();
    }

    boolean holds(long chunk) {
        return chunks.containsKey(chunk);
    }

    /** Whether one of {@code held} (chunks holding pieces) holds {@link #MOST_PIECES_PER_CHUNK} already. */
    boolean crowded(List<Long> held) {
        for (long chunk : held) {
            if (pieces(chunk) >= MOST_PIECES_PER_CHUNK) {
                return true;
            }
        }
        return false;
    }

    /** How many pieces {@code chunk} holds. */
    int pieces(long chunk) {
        return chunks.getOrDefault(chunk, List.of()).size();
    }

    /** The chunks from {@code first} to {@code last} that hold pieces, ascending. */
    List<Long> chunksIn(long first, long last) {
        List<Long> found = new ArrayList<>();
        if (isEmpty()) {
            return found;
        }
        if (last - first < chunks.size()) {
            for (long chunk = first; chunk <= last; chunk++) {
                if (chunks.containsKey(chunk)) {
                    found.add(chunk);
                }
            }
        } else {
            for (long chunk : chunks.keySet()) {
                if (chunk >= first && chunk <= last) {
                    found.add(chunk);
                }
            }
            found.sort(null);
        }
        return found;
    }

    /** Every chunk holding pieces, ascending (a moment's view). */
    List<Long> allChunks() {
        List<Long> found = new ArrayList<>(chunks.keySet());
        found.sort(null);
        return found;
    }

    /** Takes room for {@code bytes} more; false, and nothing taken, when the budget has not that much left. */
    boolean reserve(long bytes) {
        if (!budget.reserve(bytes)) {
            return false;
        }
        heldBytes.addAndGet(bytes);
        return true;
    }

    private void release(long bytes) {
        if (bytes != 0) {
            heldBytes.addAndGet(-bytes);
            budget.release(bytes);
        }
    }

    /**
     * Holds a copy of {@code src}'s remaining bytes as written at {@code offsetInChunk}
     * of {@code chunk}, room for them reserved; pieces it covers whole are dropped.
     * The caller holds the chunk's exclusive lock.
     */
    void add(long chunk, int offsetInChunk, ByteBuffer src) {
        byte[] bytes = new byte[src.remaining()];
        src.duplicate().get(bytes);
        Piece added = new Piece(offsetInChunk, bytes, sequence.incrementAndGet());
        List<Piece> pieces = new ArrayList<>(chunks.getOrDefault(chunk, List.of()));
        long released = 0;
        for (int i = pieces.size() - 1; i >= 0; i--) {
            Piece older = pieces.get(i);
            if (older.offsetInChunk() >= added.offsetInChunk() && older.end() <= added.end()) {
                pieces.remove(i);
                released += older.bytes().length;
            }
        }
        pieces.add(added);
        chunks.put(chunk, List.copyOf(pieces));
        release(released);
    }

    /** Lays the chunk's pieces over {@code dst}, which holds its bytes from {@code offsetInChunk}. */
    void overlay(long chunk, int offsetInChunk, ByteBuffer dst) {
        List<Piece> pieces = chunks.get(chunk);
        if (pieces == null) {
            return;
        }
        int end = offsetInChunk + dst.remaining();
        for (Piece piece : pieces) {
            int from = Math.max(offsetInChunk, piece.offsetInChunk());
            int to = Math.min(end, piece.end());
            if (from < to) {
                dst.put(dst.position() + from - offsetInChunk, piece.bytes(), from - piece.offsetInChunk(), to - from);
            }
        }
    }

    /**
     * Writes the chunk's pieces numbered up to {@code upTo} with {@code writer}, in
     * the order they were written, then forgets them. The caller holds the
     * chunk's exclusive lock and has committed the copies they wait for. On a
     * failure nothing is forgotten: writing them again later, in order, ends
     * in the same bytes.
     */
    void writeBack(long chunk, long upTo, PieceWriter writer) throws IOException {
        List<Piece> pieces = chunks.get(chunk);
        if (pieces == null) {
            return;
        }
        List<Piece> kept = new ArrayList<>();
        long written = 0;
        for (Piece piece : pieces) {
            if (piece.sequence() <= upTo) {
                writer.write(chunk, piece.offsetInChunk(), ByteBuffer.wrap(piece.bytes()));
                written += piece.bytes().length;
            } else {
                kept.add(piece);
            }
        }
        if (kept.isEmpty()) {
            chunks.remove(chunk);
        } else {
            chunks.put(chunk, List.copyOf(kept));
        }
        release(written);
    }

    /** Forgets every piece unwritten (their copies' commit can no longer happen); the bytes dropped. */
    long discardAll() {
        long dropped = 0;
        for (Long chunk : allChunks()) {
            List<Piece> pieces = chunks.remove(chunk);
            if (pieces != null) {
                for (Piece piece : pieces) {
                    dropped += piece.bytes().length;
                }
            }
        }
        release(dropped);
        return dropped;
    }
}
