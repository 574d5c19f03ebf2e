package org.snapshare.snapshot;

/**
 * Bytes {@code offset}..{@code offset + length} of a volume that differ
 * between two points in time; {@code zeros}: the newer one reads zeros
 * there because it was unmapped, known without reading any data.
 */
public record ChangedRun(long offset, long length, boolean zeros) {

    public long end() {
        return offset + length;
    }
}
