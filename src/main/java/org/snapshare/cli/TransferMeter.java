package org.snapshare.cli;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/** Counts the bytes of a stream going through the CLI and shows them, with the rate, on a terminal. */
final class TransferMeter {

    private static final long SHOW_EVERY_NANOS = 500_000_000L;

    private final PrintStream progress;
    private final String verb;
    private final long started = System.nanoTime();
    private long bytes;
    private long shown = started;

    /** {@code verb}: what is done to the bytes, e.g. "exported". */
    TransferMeter(PrintStream progress, String verb) {
        this.progress = progress;
        this.verb = verb;
    }

    OutputStream counting(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int offset, int length) throws IOException {
                out.write(b, offset, length);
                add(length);
            }
        };
    }

    InputStream counting(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int offset, int length) throws IOException {
                int n = in.read(b, offset, length);
                add(Math.max(n, 0));
                return n;
            }
        };
    }

    private void add(long n) {
        bytes += n;
        long now = System.nanoTime();
        if (now - shown >= SHOW_EVERY_NANOS) {
            shown = now;
            progress.print("\r" + line() + "\033[K");
            progress.flush();
        }
    }

    /** The final line: bytes, time and rate. */
    void done() {
        progress.print("\r" + line() + "\033[K\n");
        progress.flush();
    }

    private String line() {
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        double mib = bytes / 1048576.0;
        return String.format("%s %.1f MiB of stream in %.1f s (%.1f MiB/s)", verb, mib, seconds, mib / seconds);
    }
}
