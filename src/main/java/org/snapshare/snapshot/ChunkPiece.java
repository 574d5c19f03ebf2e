package org.snapshare.snapshot;

import java.util.ArrayList;
import java.util.List;

/** The part of an I/O request that falls in one origin chunk. */
record ChunkPiece(long chunk, int offsetInChunk, int length, int bufferOffset) {

    /** Splits the byte range {@code offset}..{@code offset + length} at chunk boundaries. */
    static List<ChunkPiece> split(long offset, int length, int chunkSize) {
        List<ChunkPiece> pieces = new ArrayList<>();
        int done = 0;
        while (done < length) {
            long position = offset + done;
            int inChunk = (int) (position % chunkSize);
            int take = Math.min(length - done, chunkSize - inChunk);
            pieces.add(new ChunkPiece(position / chunkSize, inChunk, take, done));
            done += take;
        }
        return pieces;
    }

    boolean wholeChunk(int chunkSize) {
        return offsetInChunk == 0 && length == chunkSize;
    }
}
