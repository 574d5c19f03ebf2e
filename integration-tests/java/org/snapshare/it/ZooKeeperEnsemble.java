package org.snapshare.it;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A ZooKeeper ensemble of real server processes on 127.0.0.1 (ZooKeeper's
 * own QuorumPeerMain from the test class path, one JVM each), so a test can
 * kill -9 one of them. Tick 500 ms: sessions of 1 to 10 s.
 */
final class ZooKeeperEnsemble implements Closeable {

    private final Path dir;
    private final int[] clientPorts;
    private final Process[] servers;

    private ZooKeeperEnsemble(Path dir, int size) {
        this.dir = dir;
        this.clientPorts = new int[size];
        this.servers = new Process[size];
    }

    /** Starts {@code size} servers under {@code dir} and waits (at most 60 s) until they serve as one. */
    static ZooKeeperEnsemble start(Path dir, int size) throws IOException, InterruptedException {
        ZooKeeperEnsemble ensemble = new ZooKeeperEnsemble(dir, size);
        try {
            ensemble.startAll();
            return ensemble;
        } catch (IOException | InterruptedException | RuntimeException e) {
            ensemble.close();
            throw e;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        StringBuilder peers = new StringBuilder();
        for (int i = 0; i < servers.length; i++) {
            clientPorts[i] = ExternalTools.freeLoopbackPort();
            peers.append("server.").append(i + 1).append("=127.0.0.1:").append(ExternalTools.freeLoopbackPort())
                    .append(':').append(ExternalTools.freeLoopbackPort()).append('\n');
        }
        for (int i = 0; i < servers.length; i++) {
            Path data = Files.createDirectories(dir.resolve("zookeeper-" + (i + 1)));
            Files.writeString(data.resolve("myid"), Integer.toString(i + 1));
            Path config = dir.resolve("zookeeper-" + (i + 1) + ".cfg");
            Files.writeString(config, "tickTime=500\ninitLimit=20\nsyncLimit=10\ndataDir=" + data
                    + "\nclientPort=" + clientPorts[i] + "\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
                    + "4lw.commands.whitelist=srvr\n" + peers, StandardCharsets.UTF_8);
            servers[i] = new ProcessBuilder("java", "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    "-Dlogback.configurationFile=snapshare-test-logback.xml",
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("zookeeper-" + (i + 1) + ".log").toFile())
                    .start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (leader() < 0) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the ZooKeeper ensemble elected no leader in 60 s; logs in " + dir);
            }
            Thread.sleep(200);
        }
    }

    /** The connect string of every server; {@code ports} replaces their client ports (relays), when given. */
    String connectString(int... ports) {
        int[] chosen = ports.length == 0 ? clientPorts : ports;
        List<String> hosts = new ArrayList<>();
        for (int port : chosen) {
            hosts.add("127.0.0.1:" + port);
        }
        return String.join(",", hosts);
    }

    int clientPort(int server) {
        return clientPorts[server];
    }

    /** The server that leads now, or -1 (none answers as leader). */
    int leader() {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] != null && servers[i].isAlive() && mode(clientPorts[i]).equals("leader")) {
                return i;
            }
        }
        return -1;
    }

    /** What a server says it is ("leader", "follower"), asked with the four-letter word srvr; "" if it does not answer. */
    private static String mode(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            for (String line : answer.split("\n")) {
                if (line.startsWith("Mode: ")) {
                    return line.substring("Mode: ".length()).trim();
                }
            }
        } catch (IOException e) {
            // not up (yet), or gone
        }
        return "";
    }

    /** kill -9 of one server. */
    void kill9(int server) throws InterruptedException {
        servers[server].destroyForcibly();
        servers[server].waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        for (Process server : servers) {
            if (server != null) {
                server.destroyForcibly();
            }
        }
        for (Process server : servers) {
            if (server != null) {
                try {
                    server.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
