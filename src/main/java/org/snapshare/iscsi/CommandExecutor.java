package org.snapshare.iscsi;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.util.IoAction;

/**
 * Runs the SCSI commands of one connection on a few worker threads, so a
 * session with many outstanding commands keeps the disk and the network busy
 * at once; the connection's thread only reads PDUs. Commands complete in any
 * order (SIMPLE task attribute). When the workers are all busy and the queue
 * is full, the reading thread runs the command itself: that is the back
 * pressure on an initiator that sends faster than we complete.
 */
final class CommandExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(CommandExecutor.class);
    static final int WORKERS = 4;
    private static final int QUEUE = 64;

    private final ThreadPoolExecutor pool;
    private final Map<Integer, CompletableFuture<Void>> running = new ConcurrentHashMap<>();
    private final Runnable onFailure;

    /** {@code onFailure}: ends the connection when a response cannot be sent. */
    CommandExecutor(String name, Runnable onFailure) {
        this.onFailure = onFailure;
        this.pool = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                runnable -> {
                    Thread thread = new Thread(runnable, "scsi-" + name);
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        pool.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code command}, which executes one task and sends its response, on a worker. */
    void submit(int itt, IoAction command) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        running.put(itt, done);
        pool.execute(() -> {
            try {
                command.run();
            } catch (IOException | RuntimeException e) {
                LOG.debug("command 0x{} could not complete: {}", Integer.toHexString(itt), e.toString());
                onFailure.run();
            } finally {
                running.remove(itt, done); // not a newer command that reuses the tag
                done.complete(null);
            }
        });
    }

    /** Waits until the command with this tag has sent its response, if it is running. */
    void await(int itt) {
        CompletableFuture<Void> task = running.get(itt);
        if (task != null) {
            task.join();
        }
    }

    /** Waits until every command submitted so far has sent its response. */
    void awaitAll() {
        for (CompletableFuture<Void> task : running.values()) {
            task.join();
        }
    }

    /** Lets running commands finish, then stops the workers. */
    void shutdown() {
        pool.shutdown();
        try {
            pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
