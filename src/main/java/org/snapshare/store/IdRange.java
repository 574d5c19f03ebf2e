package org.snapshare.store;

/** Snapshot ids {@code from}..{@code to}, both included. */
public record IdRange(long from, long to) {

    /** Every id a snapshot can have. */
    static final IdRange EVERY = new IdRange(0, Long.MAX_VALUE);
}
