package org.snapshare.store;

/** Snapshot ids {@code from}..{@code to}, both included. */
public record IdRange(long from, long to) {
}
