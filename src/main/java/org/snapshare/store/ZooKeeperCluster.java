package org.snapshare.store;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * This node's session with a ZooKeeper ensemble, through Curator: it hands
 * out one {@link ZooKeeperLock} per volume. Everything lives below the
 * znode {@code /snapshare} (a chroot in the connect string moves it).
 */
public final class ZooKeeperCluster implements Closeable {

    static final String NAMESPACE = "snapshare";

    private final CuratorFramework client;
    private final String nodeName;
    private final Duration sessionTimeout;
    private final ScheduledExecutorService poller;

    private ZooKeeperCluster(CuratorFramework client, String nodeName, Duration sessionTimeout) {
        this.client = client;
        this.nodeName = nodeName;
        this.sessionTimeout = sessionTimeout;
        this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cluster-lock-poller");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Connects as {@code nodeName} to {@code connectString} (HOST:PORT[,HOST:PORT...][/chroot]);
     * fails when no server answers within {@code connectTimeout}.
     */
    public static ZooKeeperCluster connect(String connectString, String nodeName, Duration sessionTimeout,
            Duration connectTimeout) throws IOException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(Math.toIntExact(sessionTimeout.toMillis()))
                .connectionTimeoutMs(Math.toIntExact(Math.min(connectTimeout.toMillis(), sessionTimeout.toMillis())))
                .retryPolicy(new ExponentialBackoffRetry(100, 6, 2000))
                .namespace(NAMESPACE)
                .build();
        client.start();
        boolean connected;
        try {
            connected = client.blockUntilConnected(Math.toIntExact(connectTimeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connected = false;
        }
        if (!connected) {
            client.close();
            throw new IOException("no ZooKeeper server at " + connectString + " answered within "
                    + connectTimeout.toSeconds() + " s; check cluster-zookeeper and that the ensemble runs");
        }
        return new ZooKeeperCluster(client, nodeName, sessionTimeout);
    }

    /** The lock of one volume's store. */
    public ZooKeeperLock lockFor(String volume) {
        return new ZooKeeperLock(this, "/volumes/" + volume);
    }

    /** The Curator client, for cluster membership and the catalog. */
    public CuratorFramework client() {
        return client;
    }

    public String nodeName() {
        return nodeName;
    }

    Duration sessionTimeout() {
        return sessionTimeout;
    }

    ScheduledExecutorService poller() {
        return poller;
    }

    @Override
    public void close() {
        poller.shutdownNow();
        client.close();
    }
}
