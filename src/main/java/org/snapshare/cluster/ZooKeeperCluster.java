package org.snapshare.cluster;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.snapshare.store.Remedy;

/**
 * This node's session with a ZooKeeper ensemble, through Curator: it hands
 * out one {@link ZooKeeperLock} per volume. Everything lives below the
 * znode {@code /snapshare} (a chroot in the connect string moves it).
 */
public final class ZooKeeperCluster implements Closeable {

    static final String NAMESPACE = "snapshare";
    private static final String NODES = "/nodes";
    private static final String PORT_GROUPS = "/port-groups";
    private static final String PORT_GROUP_SEQUENCE = "/port-group-sequence";
    /** Beside a volume's lock: the node its initiators should prefer. */
    private static final String ACTIVE = "/active";
    /** Beside a volume's lock: who imports into it now. */
    private static final String IMPORT = "/import";

    private final CuratorFramework client;
    private final String nodeName;
    private final Duration sessionTimeout;
    private final ScheduledExecutorService poller;
    private PersistentNode membership;

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
                    + connectTimeout.toSeconds() + " s; " + Remedy.CHECK_ZOOKEEPER.advice());
        }
        return new ZooKeeperCluster(client, nodeName, sessionTimeout);
    }

    /** The lock of one volume's store. */
    public ZooKeeperLock lockFor(String volume) {
        return new ZooKeeperLock(this, volumePath(volume));
    }

    private static String volumePath(String volume) {
        return "/volumes/" + volume;
    }

    /** The node that took the volume's lock last (its holder while it is held), or empty when none ever did. */
    public Optional<String> lastHolder(String volume) throws IOException {
        try {
            return Optional.of(new String(client.getData().forPath(volumePath(volume) + ZooKeeperLock.GENERATION),
                    StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw unanswered(e);
        }
    }

    /**
     * The node the volume's initiators are told to prefer (ALUA
     * active/optimized), or empty before any node claimed it.
     */
    public Optional<String> activeNode(String volume) throws IOException {
        try {
            return Optional.of(new String(client.getData().forPath(volumePath(volume) + ACTIVE), StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw unanswered(e);
        }
    }

    /**
     * The right to import into {@code volume}, cluster-wide
     * (/snapshare/volumes/VOLUME/import, Curator's InterProcessMutex), for
     * the calling thread until it closes the claim; empty while another
     * node holds it. A node whose session ends loses it with its session.
     */
    public Optional<Closeable> claimImport(String volume) throws IOException {
        InterProcessMutex mutex = new InterProcessMutex(client, volumePath(volume) + IMPORT);
        try {
            if (!mutex.acquire(0, TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
        } catch (Exception e) {
            throw unanswered(e);
        }
        return Optional.of(() -> {
            try {
                mutex.release();
            } catch (Exception e) {
                throw new IOException("the import claim on volume " + volume + " was not released cleanly ("
                        + e.getMessage() + "); it ends with this node's ZooKeeper session", e);
            }
        });
    }

    /** Makes this node the volume's preferred (active/optimized) one. */
    public void claimActive(String volume) throws IOException {
        byte[] name = nodeName.getBytes(StandardCharsets.UTF_8);
        String path = volumePath(volume) + ACTIVE;
        try {
            try {
                client.setData().forPath(path, name);
            } catch (KeeperException.NoNodeException first) {
                client.create().creatingParentsIfNeeded().forPath(path, name);
            }
        } catch (KeeperException.NodeExistsException raced) {
            claimActive(volume);
        } catch (Exception e) {
            throw unanswered(e);
        }
    }

    /**
     * Announces this node, with {@code portal}, for as long as its session
     * lives (Curator's PersistentNode puts it back after a new session);
     * fails when a live node already goes by this name.
     */
    public void join(String portal) throws IOException {
        String path = NODES + "/" + nodeName;
        try {
            if (client.checkExists().forPath(path) != null) {
                throw new IOException("a node named " + nodeName + " is already in the cluster at " + new String(
                        client.getData().forPath(path), StandardCharsets.UTF_8) + "; " + Remedy.RENAME_NODE.advice());
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw unanswered(e);
        }
        membership = new PersistentNode(client, CreateMode.EPHEMERAL, false, path,
                portal.getBytes(StandardCharsets.UTF_8));
        membership.start();
    }

    /**
     * This node's ALUA target port group (and relative port) number, 1 to
     * 65535: given out once per node name from a ZooKeeper sequence, and kept,
     * so a node keeps its number across restarts and no two nodes share one.
     */
    public int portGroup() throws IOException {
        String path = PORT_GROUPS + "/" + nodeName;
        try {
            try {
                return Integer.parseInt(new String(client.getData().forPath(path), StandardCharsets.UTF_8));
            } catch (KeeperException.NoNodeException first) {
                String issued = client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                        .forPath(PORT_GROUP_SEQUENCE + "/group-");
                int group = Integer.parseInt(issued.substring(issued.lastIndexOf('-') + 1)) + 1;
                if (group > 0xffff) {
                    throw new IOException("the cluster has given out " + group + " port group numbers; at most 65535"
                            + " fit in SCSI");
                }
                try {
                    client.create().creatingParentsIfNeeded().forPath(path,
                            Integer.toString(group).getBytes(StandardCharsets.UTF_8));
                    return group;
                } catch (KeeperException.NodeExistsException raced) {
                    return Integer.parseInt(new String(client.getData().forPath(path), StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw unanswered(e);
        }
    }

    /** The port group numbers of every node that ever joined, by name. */
    public Map<String, Integer> portGroups() throws IOException {
        Map<String, Integer> groups = new TreeMap<>();
        try {
            for (String node : client.getChildren().forPath(PORT_GROUPS)) {
                groups.put(node, Integer.parseInt(new String(client.getData().forPath(PORT_GROUPS + "/" + node),
                        StandardCharsets.UTF_8)));
            }
        } catch (KeeperException.NoNodeException none) {
            return groups;
        } catch (Exception e) {
            throw unanswered(e);
        }
        return groups;
    }

    /** Whether {@code node} is in the cluster now (one look, not the whole member list). */
    public boolean isMember(String node) throws IOException {
        try {
            return client.checkExists().forPath(NODES + "/" + node) != null;
        } catch (Exception e) {
            throw unanswered(e);
        }
    }

    /** The nodes in the cluster now, by name, with their portals. */
    public Map<String, String> members() throws IOException {
        return childrenWithData(NODES);
    }

    /**
     * The children of {@code path} (within the namespace), by name, with
     * their data as text; one removed while we looked is left out, as is
     * everything when {@code path} does not exist.
     */
    Map<String, String> childrenWithData(String path) throws IOException {
        Map<String, String> children = new TreeMap<>();
        try {
            for (String child : client.getChildren().forPath(path)) {
                try {
                    children.put(child, new String(client.getData().forPath(path + "/" + child),
                            StandardCharsets.UTF_8));
                } catch (KeeperException.NoNodeException gone) {
                    // removed while we looked
                }
            }
        } catch (KeeperException.NoNodeException none) {
            return children;
        } catch (Exception e) {
            throw unanswered(e);
        }
        return children;
    }

    static IOException unanswered(Exception e) {
        return new IOException("ZooKeeper did not answer (" + e.getMessage() + "); check the ensemble", e);
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
        if (membership != null) {
            try {
                membership.close();
            } catch (IOException e) {
                // the session ends below anyway, and the ephemeral node with it
            }
        }
        poller.shutdownNow();
        client.close();
    }
}
