package org.snapshare.iscsi;

import java.util.concurrent.atomic.AtomicBoolean;

/** A command's place in its session's queue: given back once, however often released, so the window moves on once. */
final class CommandSlot {

    private final SequenceNumbers numbers;
    private final AtomicBoolean released = new AtomicBoolean();

    CommandSlot(SequenceNumbers numbers) {
        this.numbers = numbers;
    }

    void release() {
        if (released.compareAndSet(false, true)) {
            numbers.completed();
        }
    }
}
