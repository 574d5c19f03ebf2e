package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus endpoint of a server under real I/O (qemu-io): the counters
 * move as the I/O says, and Prometheus's own promtool accepts the exposition.
 */
class MetricsIT {

    private static String scrape(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private static double value(String metrics, String series) {
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
        assertTrue(line.find(), "no series " + series + " in:\n" + metrics);
        return Double.parseDouble(line.group(1));
    }

    /** The packaged Grafana dashboard asks only for metrics the server exports. */
    private static void dashboardQueriesOnly(String metrics) throws Exception {
        String dashboard = Files.readString(Path.of("packaging/grafana-dashboard.json"));
        Matcher name = Pattern.compile("\\b((?:snapshare|jvm)_[a-z_]+)").matcher(dashboard);
        int checked = 0;
        while (name.find()) {
            String family = name.group(1).replaceAll("_bucket$", "");
            if (family.equals("snapshare_rollback_progress_ratio")) {
                continue; // it has samples only while a rollback runs
            }
            assertTrue(metrics.contains("# TYPE " + family + " ") || metrics.contains("# TYPE "
                    + family.replaceAll("_total$", "") + " "), "the dashboard queries " + family
                    + ", which the server does not export");
            checked++;
        }
        assertTrue(checked >= 10, "the dashboard names " + checked + " metrics");
    }

    @Test
    void countersFollowTheIoAndPromtoolAcceptsThem(@TempDir Path dir) throws Exception {
        ExternalTools.require("qemu-io", "promtool");
        int port = ExternalTools.freeLoopbackPort();
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start("--metrics", "127.0.0.1:" + port)) {
            String origin = "{snapshot=\"\",volume=\"vol0\"}";
            ExternalTools.qemuIo(server.url("vol0"), "write -P 0x5a 0 4M", "read 0 2M", "flush")
                    .assertSuccess("qemu-io");
            server.cli("snapshot", "create", "vol0", "s1").assertSuccess("snapshot create");
            ExternalTools.qemuIo(server.url("vol0", "s1"), "read -P 0x5a 0 1M").assertSuccess("qemu-io snapshot");
            ExternalTools.qemuIo(server.url("vol0"), "write -P 0x6b 0 2M", "flush").assertSuccess("copy-on-write");
            String metrics = scrape(port);
            assertTrue(value(metrics, "snapshare_cow_bytes_total{volume=\"vol0\"}") >= 2 << 20, metrics);
            assertTrue(value(metrics, "snapshare_cow_copies_total{volume=\"vol0\"}") >= 1);
            assertEquals(0, value(metrics, "snapshare_origin_write_back_bytes{volume=\"vol0\"}"),
                    "the flush wrote back what the copy-on-write writes held");
            assertTrue(value(metrics, "snapshare_store_commits_total{volume=\"vol0\"}") >= 2);
            assertTrue(value(metrics, "snapshare_store_commit_seconds_total{volume=\"vol0\"}") > 0);
            assertEquals(0, value(metrics, "snapshare_background_delete_active{volume=\"vol0\"}"));
            assertEquals(0, value(metrics, "snapshare_store_metadata_heals_total{volume=\"vol0\"}"));
            assertEquals(0, value(metrics, "snapshare_store_cut_off_commits_total{volume=\"vol0\"}"));
            dashboardQueriesOnly(metrics);
            assertTrue(value(metrics, "snapshare_lun_write_bytes_total" + origin) >= 4 << 20, metrics);
            assertTrue(value(metrics, "snapshare_lun_read_bytes_total" + origin) >= 2 << 20, metrics);
            assertTrue(value(metrics, "snapshare_lun_read_bytes_total{snapshot=\"s1\",volume=\"vol0\"}") >= 1 << 20);
            assertTrue(value(metrics, "snapshare_lun_commands_total{op=\"write\",result=\"ok\",snapshot=\"\","
                    + "volume=\"vol0\"}") >= 1);
            assertTrue(value(metrics, "snapshare_lun_latency_seconds_count{op=\"write\",snapshot=\"\","
                    + "volume=\"vol0\"}") >= 1);
            assertTrue(value(metrics, "snapshare_store_size_bytes{volume=\"vol0\"}") > 1 << 30);
            assertTrue(metrics.contains("\nsnapshare_sessions "), metrics);
            assertTrue(metrics.contains("\njvm_memory_used_bytes{"), "JVM metrics missing");

            Path exposition = dir.resolve("metrics.txt");
            Files.writeString(exposition, metrics);
            ExternalTools.Result check = ExternalTools.run(60, "sh", "-c", "promtool check metrics < " + exposition);
            assertEquals(0, check.exitCode, "promtool check metrics:\n" + check.output);
        }
    }
}
