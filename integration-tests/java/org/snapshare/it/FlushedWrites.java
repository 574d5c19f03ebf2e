package org.snapshare.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * A client writing while the server is killed: write i puts pattern 0x20 + i
 * on MiB i of the LUN {@code urls} names for it, then flushes, one qemu-io
 * each; a write counts as acknowledged once its flush succeeded. At most 60.
 */
final class FlushedWrites {

    private final List<Integer> acknowledged = new ArrayList<>();
    private final AtomicReference<Process> inFlight = new AtomicReference<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Thread writer;

    private FlushedWrites(IntFunction<String> urls) {
        writer = new Thread(() -> {
            for (int i = 0; i < 60 && !stopped.get(); i++) {
                try {
                    Process qemuIo = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "write -P " + pattern(i) + " "
                            + i + "M 1M", "-c", "flush", urls.apply(i)).redirectErrorStream(true).start();
                    inFlight.set(qemuIo);
                    String output = new String(qemuIo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (qemuIo.waitFor() != 0 || output.contains("error") || output.contains("fail")) {
                        return;
                    }
                    synchronized (acknowledged) {
                        acknowledged.add(i);
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "flushed-writes");
    }

    /** Starts writing to the LUN {@code urls} gives for each write number. */
    static FlushedWrites start(IntFunction<String> urls) {
        FlushedWrites writes = new FlushedWrites(urls);
        writes.writer.start();
        return writes;
    }

    static int pattern(int write) {
        return 0x20 + write;
    }

    /** Waits (at most 60 s) until {@code count} writes were acknowledged. */
    void awaitAcknowledged(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged().size() < count && writer.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Stops writing (after the kill): the write in flight is abandoned, libiscsi would keep reconnecting. */
    void stop() throws InterruptedException {
        stopped.set(true);
        for (int i = 0; i < 300 && writer.isAlive(); i++) {
            Process last = inFlight.get();
            if (last != null) {
                last.destroyForcibly();
            }
            writer.join(200);
        }
    }

    List<Integer> acknowledged() {
        synchronized (acknowledged) {
            return new ArrayList<>(acknowledged);
        }
    }
}
