package org.snapshare.iscsi;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.util.IoAction;

/**
 * Runs one connection's task management functions that wait for commands
 * (an ABORT TASK of a running command, the resets), one at a time and in
 * order, on a thread of their own: a command may wait long (for a cluster
 * lock another node's expiring session still holds, for a slow disk), and
 * meanwhile the connection's reader must go on answering NOP-Outs, or the
 * initiator drops the connection (open-iscsi after 5 s) and multipath the
 * path. Bounded: {@link #QUEUED} may wait; beyond that a function is refused,
 * and the thread exists only while there is work.
 */
final class WaitingFunctions {

    private static final Logger LOG = LoggerFactory.getLogger(WaitingFunctions.class);
    /** Functions that may wait behind the running one. */
    static final int QUEUED = 8;

    private final ThreadPoolExecutor thread;
    private final Runnable onFailure;
    /** Done when the function queued last is: they run in order, so all before it are too (reader thread only). */
    private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

    /** {@code onFailure}: ends the connection when a response cannot be sent. */
    WaitingFunctions(String name, Runnable onFailure) {
        this.onFailure = onFailure;
        this.thread = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED), task -> {
            Thread made = new Thread(task, "tmf-" + name);
            made.setDaemon(true);
            return made;
        });
    }

    /** Queues {@code function}, which waits and sends its response; false when {@link #QUEUED} already wait. */
    boolean submit(IoAction function) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    function.run();
                } catch (IOException | RuntimeException e) {
                    LOG.debug("a task management function could not complete: {}", e.toString());
                    onFailure.run();
                } finally {
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException full) {
            return false;
        }
        last = done;
        return true;
    }

    /** Waits until every function queued so far has sent its response (a logout's goes after them). */
    void awaitAll() {
        last.join();
    }

    /** No more functions; those queued still run. */
    void shutdown() {
        thread.shutdown();
    }
}
