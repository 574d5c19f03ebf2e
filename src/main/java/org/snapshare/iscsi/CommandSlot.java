package org.snapshare.iscsi;

import java.util.concurrent.atomic.AtomicBoolean;

/** A command's place in its session's queue: given back once, however often released, so the window moves on once. */
final class CommandSlot {

    private final SequenceNumbers numbers;
    private final AtomicBoolean released = new AtomicBoolean();

    CommandSlot(SequenceNumbers numbers) {
        this.numbers = numbers;
    }

    /** Gives the slot back now, unless that was done already. */
    void release() {
        if (take()) {
            numbers.completed();
        }
    }

    /** True once, for the caller that gives the slot back itself (stamping the command's response). */
    boolean take() {
        return released.compareAndSet(false, true);
    }
}
