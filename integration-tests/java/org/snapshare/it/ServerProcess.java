package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The server run as a user would: by default the packaged jar
 * (`java -jar target/snapshare.jar serve ...`), or another launcher such as
 * the installed /usr/bin/snapshare; always on 127.0.0.1.
 */
public class ServerProcess implements Closeable {

    public static final String IQN = "iqn.2026-11.org.snapshare:";

    final Path dataDir;
    public final int port;
    private final List<String> launcher;
    private final Path log;
    /** The node's config file in a cluster, else null. */
    private final Path config;
    private final String controlSocket;
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();
    private Process process;

    ServerProcess(Path dataDir) throws IOException {
        this(dataDir, List.of("java", "-jar", jar()));
    }

    public ServerProcess(Path dataDir, List<String> launcher) throws IOException {
        this.dataDir = dataDir;
        this.launcher = launcher;
        this.port = ExternalTools.freeLoopbackPort();
        this.log = dataDir.resolveSibling(dataDir.getFileName() + "-server.log");
        this.config = null;
        this.controlSocket = "control.sock";
    }

    /** A node of a cluster on the shared {@code dataDir}: its own config file, portal, log and control socket. */
    ServerProcess(Path dataDir, String node, String zookeeper, String sessionTimeout) throws IOException {
        this.dataDir = dataDir;
        this.launcher = List.of("java", "-jar", jar());
        this.port = ExternalTools.freeLoopbackPort();
        this.log = dataDir.resolveSibling(dataDir.getFileName() + "-" + node + "-server.log");
        this.config = dataDir.resolveSibling(dataDir.getFileName() + "-" + node + ".conf");
        this.controlSocket = "control-" + node + ".sock";
        Files.writeString(config, "cluster-zookeeper = " + zookeeper + "\ncluster-node = " + node
                + "\ncluster-session-timeout = " + sessionTimeout + "\n", StandardCharsets.UTF_8);
    }

    private List<String> configArgs() {
        return config == null ? List.of() : List.of("--config", config.toString());
    }

    public static String jar() {
        String jar = System.getProperty("snapshare.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "snapshare.jar not built: run mvn verify");
        return jar;
    }

    String url(String volume) {
        return "iscsi://127.0.0.1:" + port + "/" + IQN + volume + "/0";
    }

    String portalUrl() {
        return "iscsi://127.0.0.1:" + port;
    }

    /** Sets a variable of the server's environment for the next starts. */
    public ServerProcess environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Starts the server with extra serve arguments and waits until the portal and control socket answer. */
    /** A randomized test's body, given its server and its seeded random. */
    interface SeededBody {
        void run(ServerProcess server, Random random) throws Exception;
    }

    /**
     * Runs {@code body} against a new server on {@code dataDir} with a random seed
     * (-Dsnapshare.it.seed=N replays one); a failure names {@code what}, the seed and the end of the server's log.
     */
    static void runSeeded(Path dataDir, String what, SeededBody body) throws Exception {
        long seed = Long.getLong("snapshare.it.seed", System.nanoTime());
        try (ServerProcess server = new ServerProcess(dataDir).start()) {
            try {
                body.run(server, new Random(seed));
            } catch (AssertionError | Exception e) {
                String log = server.log();
                throw new AssertionError(what + " failed with seed " + seed + ": " + e.getMessage()
                        + "\nserver log (end):\n" + log.substring(Math.max(0, log.length() - 6000)), e);
            }
        }
    }

    public ServerProcess start(String... extraArgs) throws Exception {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("serve", "--data-dir", dataDir.toString(), "--portal", "127.0.0.1:" + port));
        command.addAll(configArgs());
        command.addAll(List.of(extraArgs));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("server exited with " + process.exitValue() + ":\n" + log());
            }
            if (Files.exists(dataDir.resolve(controlSocket)) && portAnswers()) {
                return this;
            }
            Thread.sleep(50);
        }
        fail("server did not come up in 30 s:\n" + log());
        return this;
    }

    private boolean portAnswers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True while the server process runs. */
    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, as systemd stops it; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail("server ignored SIGTERM for 30 s");
        }
        return process.exitValue();
    }

    /** SIGKILL: the server gets no chance to flush or commit anything. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            fail("server survived SIGKILL for 30 s");
        }
    }

    /** Sends a signal (STOP, CONT) to the server process. */
    void signal(String name) throws IOException, InterruptedException {
        ExternalTools.run(10, "kill", "-" + name, Long.toString(process.pid())).assertSuccess("kill -" + name);
    }

    /** Waits (up to 10 s) until this server serves {@code target} (a volume or VOLUME.SNAPSHOT). */
    void awaitTarget(String target) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String listed = "";
        while (System.nanoTime() < deadline) {
            listed = ExternalTools.run(30, "iscsi-ls", portalUrl()).output;
            if (listed.contains(IQN + target + " ")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the server on port " + port + " does not serve " + target + " after 10 s:\n"
                + listed);
    }

    String url(String volume, String snapshot) {
        return url(volume + "." + snapshot);
    }

    /** Runs the CLI against this server's data dir. */
    public ExternalTools.Result cli(String... args) throws IOException, InterruptedException {
        return ExternalTools.run(60, cliCommand(args).toArray(new String[0]));
    }

    /** The command line that runs the CLI with {@code args} against this server, for a test that starts it itself. */
    List<String> cliCommand(String... args) {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(args));
        command.addAll(List.of("--data-dir", dataDir.toString()));
        command.addAll(configArgs());
        return command;
    }

    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
