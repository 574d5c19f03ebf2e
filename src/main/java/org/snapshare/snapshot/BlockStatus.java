package org.snapshare.snapshot;

/** Whether a run of a unit's bytes is mapped (holds data) or deallocated (reads zeros), up to byte {@code end}. */
public record BlockStatus(boolean mapped, long end) {
}
