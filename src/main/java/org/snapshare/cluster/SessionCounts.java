package org.snapshare.cluster;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;

/**
 * How many iSCSI sessions each node has on each volume, so a node about to
 * delete a volume counts every node's initiators, not only its own. Each
 * node keeps its counts in an ephemeral znode, /snapshare/sessions/NODE
 * (one "VOLUME ORIGIN ALL" line per volume with sessions: on its origin, and
 * on it and its snapshots), rewritten when they change; a node that dies
 * takes its znode, and its sessions, with it.
 */
public final class SessionCounts implements Closeable {

    private static final String SESSIONS = "/sessions";
    private static final long CREATE_WAIT_SECONDS = 5;

    private final ZooKeeperCluster cluster;
    private PersistentNode published;
    private String publishedText;

    /** One node's sessions on one volume: on its origin, and on the origin and its snapshots together. */
    public record Sessions(int origin, int all) {
    }

    public SessionCounts(ZooKeeperCluster cluster) {
        this.cluster = cluster;
    }

    /** Publishes this node's sessions per volume, if they changed since the last call. */
    public synchronized void publish(Map<String, Sessions> sessionsByVolume) throws IOException {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(sessionsByVolume).forEach((volume, count) -> {
            if (count.all() > 0) {
                text.append(volume).append(' ').append(count.origin()).append(' ').append(count.all()).append('\n');
            }
        });
        if (text.toString().equals(publishedText)) {
            return;
        }
        byte[] data = text.toString().getBytes(StandardCharsets.UTF_8);
        try {
            if (published == null) {
                published = new PersistentNode(cluster.client(), CreateMode.EPHEMERAL, false,
                        SESSIONS + "/" + cluster.nodeName(), data);
                published.start();
                if (!published.waitForInitialCreate(CREATE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("ZooKeeper did not take this node's session counts within "
                            + CREATE_WAIT_SECONDS + " s; check the ensemble");
                }
            } else {
                published.setData(data);
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw ZooKeeperCluster.unanswered(e);
        }
        publishedText = text.toString();
    }

    /** The sessions the other nodes published on {@code volume} (each as of its last sync), by node. */
    public Map<String, Sessions> elsewhere(String volume) throws IOException {
        Map<String, Sessions> counts = new TreeMap<>();
        for (Map.Entry<String, String> node : cluster.childrenWithData(SESSIONS).entrySet()) {
            if (node.getKey().equals(cluster.nodeName())) {
                continue;
            }
            for (String line : node.getValue().split("\n")) {
                String[] words = line.split(" ");
                if (words.length == 3 && words[0].equals(volume)) {
                    try {
                        counts.put(node.getKey(), new Sessions(Integer.parseInt(words[1]),
                                Integer.parseInt(words[2])));
                    } catch (NumberFormatException e) {
                        throw new IOException("a node's session counts in ZooKeeper are damaged (" + e.getMessage()
                                + ")", e);
                    }
                }
            }
        }
        return counts;
    }

    @Override
    public synchronized void close() throws IOException {
        if (published != null) {
            published.close();
        }
    }
}
