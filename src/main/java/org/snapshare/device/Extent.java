package org.snapshare.device;

/** A run of a device's bytes that are all allocated or all deallocated (a hole), ending at {@code end}. */
public record Extent(boolean allocated, long end) {
}
