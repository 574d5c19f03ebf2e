package org.snapshare.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ForkJoinPool;

/**
 * Runs blocking I/O as a ForkJoinPool managed block: when the caller is a
 * pool worker (the iSCSI command workers), the pool may start a stand-in
 * while it waits, so other commands of the connection keep being served;
 * elsewhere the work simply runs.
 */
public final class BlockingIo {

    private BlockingIo() {
    }

    public static <T> T run(IoWork<T> work) throws IOException {
        Blocker<T> blocker = new Blocker<>(work);
        try {
            ForkJoinPool.managedBlock(blocker);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // block() does not wait interruptibly; kept for the contract
            throw new IOException("interrupted while doing blocking I/O", e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return blocker.result;
    }

    private static final class Blocker<T> implements ForkJoinPool.ManagedBlocker {
        private final IoWork<T> work;
        private boolean done;
        private T result;

        Blocker(IoWork<T> work) {
            this.work = work;
        }

        @Override
        public boolean block() {
            try {
                result = work.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            done = true;
            return true;
        }

        @Override
        public boolean isReleasable() {
            return done;
        }
    }
}
