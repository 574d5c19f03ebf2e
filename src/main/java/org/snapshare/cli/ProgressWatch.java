package org.snapshare.cli;

import java.io.PrintStream;
import java.util.function.Predicate;

/** Polls long work in the server (a rollback, a scrub) until it ends, showing its progress on a terminal. */
final class ProgressWatch {

    /** One poll of the server: the work's status text. */
    @FunctionalInterface
    interface Poll {
        String status() throws CommandFailedException;
    }

    private static final long POLL_MILLIS = 500;

    private final PrintStream out;
    private final PrintStream progress;
    private final String what;

    /** {@code what}: the work's name in messages, e.g. "rollback". */
    ProgressWatch(PrintStream out, PrintStream progress, String what) {
        this.out = out;
        this.progress = progress;
        this.what = what;
    }

    /** Polls until {@code ended} holds for the status; returns that status. */
    String await(Poll poll, Predicate<String> ended) throws CommandFailedException {
        while (true) {
            String status = poll.status().strip();
            if (ended.test(status)) {
                progress.print("\r\033[K");
                return status;
            }
            if (status.contains("stopped by an error")) {
                throw new CommandFailedException(status);
            }
            progress.print("\r" + status + "\033[K");
            progress.flush();
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailedException("interrupted; the " + what + " goes on in the server");
            }
        }
    }
}
