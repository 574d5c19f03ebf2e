package org.snapshare.iscsi;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.util.IoAction;

/**
 * Runs the SCSI commands of one connection on a few worker threads, so a
 * session with many outstanding commands keeps the disk and the network busy
 * at once; the connection's thread only reads PDUs. Commands complete in any
 * order (SIMPLE task attribute); the session's CmdSN window bounds how many
 * wait. Four workers run at once; a worker that waits for a store commit
 * (a managed block, see the store's TransactionManager) is stood in for by
 * another, up to {@link #MOST_WORKERS}, so first writes after a snapshot
 * share their commits by the dozen while ordinary I/O keeps four threads on
 * the CPU (docs/PERFORMANCE.md, "First writes after a snapshot").
 */
final class CommandExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(CommandExecutor.class);
    static final int WORKERS = 4;
    /** Workers at most, those standing in for workers that wait for a commit included. */
    static final int MOST_WORKERS = 32;

    private final ForkJoinPool pool;
    private final Map<Integer, CompletableFuture<Void>> running = new ConcurrentHashMap<>();
    private final Runnable onFailure;

    /** {@code onFailure}: ends the connection when a response cannot be sent. */
    CommandExecutor(String name, Runnable onFailure) {
        this.onFailure = onFailure;
        this.pool = new ForkJoinPool(WORKERS, owner -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(owner);
            thread.setName("scsi-" + name);
            thread.setDaemon(true);
            return thread;
        }, null, true, 0, MOST_WORKERS, 1, saturated -> true, 30, TimeUnit.SECONDS);
    }

    /** Runs {@code command}, which executes one task and sends its response, on a worker. */
    void submit(int itt, IoAction command) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        running.put(itt, done);
        Runnable task = () -> {
            try {
                command.run();
            } catch (IOException | RuntimeException e) {
                LOG.debug("command 0x{} could not complete: {}", Integer.toHexString(itt), e.toString());
                onFailure.run();
            } finally {
                running.remove(itt, done); // not a newer command that reuses the tag
                done.complete(null);
            }
        };
        try {
            pool.execute(task);
        } catch (RejectedExecutionException shutDown) {
            task.run(); // the connection is closing: answer here rather than leave the tag waiting
        }
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
