package org.snapshare.store;

/** Where background delete stopped: the key of the next entry it looks at; (0, 0) when it is idle. */
public record DeleteCursor(long originChunk, long fromId) {

    public static final DeleteCursor IDLE = new DeleteCursor(0, 0);

    public boolean idle() {
        return originChunk == 0 && fromId == 0;
    }
}
