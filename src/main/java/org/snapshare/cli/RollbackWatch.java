package org.snapshare.cli;

import java.io.PrintStream;

/** Polls a running rollback until it ends, showing its progress on a terminal. */
final class RollbackWatch {

    /** One poll of the server: "idle" when no rollback runs, else a progress line. */
    @FunctionalInterface
    interface Poll {
        String status() throws CommandFailedException;
    }

    private static final long POLL_MILLIS = 500;

    private final PrintStream out;
    private final PrintStream progress;

    RollbackWatch(PrintStream out, PrintStream progress) {
        this.out = out;
        this.progress = progress;
    }

    int await(Poll poll) throws CommandFailedException {
        while (true) {
            String status = poll.status().strip();
            if (status.equals("idle")) {
                progress.print("\r\033[K");
                out.println("rollback finished");
                return Main.OK;
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
                throw new CommandFailedException("interrupted; the rollback goes on in the server");
            }
        }
    }
}
