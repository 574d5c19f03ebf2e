package org.snapshare.bench;

import java.io.File;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A standalone ZooKeeper server for benchmarks (curator-test's, a real
 * ZooKeeper): listens on the given port, prints "connect HOST:PORT", and runs
 * until its standard input closes.
 */
public final class LocalZooKeeper {

    private LocalZooKeeper() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int tickMillis = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        File dataDir = java.nio.file.Files.createTempDirectory("bench-zookeeper").toFile();
        try (TestingServer server = new TestingServer(new InstanceSpec(dataDir, port, -1, -1, true, -1, tickMillis,
                -1), true)) {
            System.out.println("connect " + server.getConnectString());
            System.out.flush();
            while (System.in.read() >= 0) {
                // runs until stdin closes
            }
        }
    }
}
