package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication between two packaged servers over their HTTPS APIs: the
 * receiver is killed with SIGKILL while the first (full) stream arrives,
 * comes back, and the sender resumes from the receiver's checkpoint; then
 * an incremental send; the newest snapshot reads the same on both sides
 * (qemu-img compare), and the retention there prunes.
 */
class ReplicationIT {

    private static final long MIB = 1 << 20;

    private static boolean has(ServerProcess server, String volume, String snapshot) throws Exception {
        ExternalTools.Result list = server.cli("snapshot", "list", volume);
        return list.exitCode == 0 && list.output.lines().anyMatch(line -> line.startsWith(snapshot + " ")
                && line.contains("live"));
    }

    /** Waits for {@code check}; on time out fails with both servers' logs. */
    private static void await(String what, long seconds, Check check, ServerProcess... servers) throws Exception {
        long end = System.currentTimeMillis() + seconds * 1000;
        while (!check.done()) {
            if (System.currentTimeMillis() > end) {
                StringBuilder logs = new StringBuilder();
                for (ServerProcess server : servers) {
                    logs.append("\n--- ").append(server.dataDir).append(" log:\n").append(server.log());
                }
                throw new AssertionError(what + " did not happen in " + seconds + " s" + logs);
            }
            Thread.sleep(200);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean done() throws Exception;
    }

    @Test
    void aKilledReceiverResumesAndBothSidesHoldTheSameSnapshots(@TempDir Path dir) throws Exception {
        ExternalTools.require("qemu-io", "qemu-img");
        int apiPort = ExternalTools.freeLoopbackPort();
        int metricsPort = ExternalTools.freeLoopbackPort();
        Path receiverData = dir.resolve("receiver");
        try (ServerProcess source = new ServerProcess(dir.resolve("source")).start("--metrics", "127.0.0.1:"
                + metricsPort);
                ServerProcess receiver = new ServerProcess(receiverData).start("--api", "127.0.0.1:" + apiPort)) {
            ExternalTools.Result made = receiver.cli("token", "create", "replication", "--role", "admin")
                    .assertSuccess("token create");
            Path tokenFile = dir.resolve("receiver.token");
            Files.writeString(tokenFile, made.output.lines().findFirst().orElseThrow() + "\n");
            String fingerprint = made.output.replaceAll("(?s).*fingerprint: ([0-9A-F:]+).*", "$1");

            source.cli("volume", "create", "rep", "--size", "1G").assertSuccess("volume create");
            ExternalTools.qemuIo(source.url("rep"), "write -P 0x5a 0 768M", "flush").assertSuccess("fill");
            source.cli("replicate", "set", "rep", "--to", "https://127.0.0.1:" + apiPort, "--token-file",
                    tokenFile.toString(), "--fingerprint", fingerprint, "--keep", "every 1s keep 1")
                    .assertSuccess("replicate set");
            source.cli("schedule", "set", "rep", "every 1h keep 3").assertSuccess("schedule set");

            Path staged = receiverData.resolve("receiving/rep/stream.log");
            await("the first stream arriving (100 MiB staged)", 120,
                    () -> Files.exists(staged) && Files.size(staged) > 100 * MIB, source, receiver);
            receiver.kill9();
            receiver.start("--api", "127.0.0.1:" + apiPort);

            String first = source.cli("snapshot", "list", "rep").output.lines()
                    .filter(line -> line.startsWith("auto-")).findFirst().orElseThrow().split("\\s+")[0];
            await("snapshot " + first + " at the receiver", 180, () -> has(receiver, "rep", first), source, receiver);
            assertTrue(source.log().contains("(resumed)"), "the sender did not resume:\n" + source.log());

            ExternalTools.qemuIo(source.url("rep"), "write -P 0x6b 64M 32M", "flush").assertSuccess("change");
            source.cli("schedule", "set", "rep", "every 2s keep 3").assertSuccess("a faster schedule");
            Thread.sleep(5_000);
            source.cli("schedule", "clear", "rep").assertSuccess("schedule clear");
            String second = source.cli("snapshot", "list", "rep").output.lines()
                    .filter(line -> line.startsWith("auto-") && line.contains("live")).map(line -> line.split("\\s+")[0])
                    .max(String::compareTo).orElseThrow();
            assertTrue(second.compareTo(first) > 0, second + " after " + first);
            await("snapshot " + second + " at the receiver", 120, () -> has(receiver, "rep", second), source,
                    receiver);

            ExternalTools.Result compare = ExternalTools.run(300, "qemu-img", "compare", "-f", "raw", "-F", "raw",
                    source.url("rep", second), receiver.url("rep", second));
            assertEquals(0, compare.exitCode, "the replica differs:\n" + compare.output);
            await("the retention there (every 1s keep 1) pruning " + first, 30, () -> !has(receiver, "rep", first), source,
                    receiver);
            String list = source.cli("replicate", "list").assertSuccess("replicate list").output;
            assertTrue(list.contains(second), list);
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("snapshare_replication_lag_bytes{volume=\"rep\"} 0.0"), metrics);
            assertTrue(metrics.contains("snapshare_replication_last_success_timestamp_seconds{volume=\"rep\"}"),
                    metrics);
        }
    }
}
