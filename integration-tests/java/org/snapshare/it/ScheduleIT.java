package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedules in the packaged server, in real time: `every 2s keep 3` holds
 * exactly three scheduled snapshots, each served; a held one outlives its
 * rule until released; a snapshot with a session is not pruned under it.
 */
class ScheduleIT {

    /** The scheduled snapshots of vol0 `snapshot list` shows, by name. */
    private static List<String> autoSnapshots(ServerProcess server) throws Exception {
        return server.cli("snapshot", "list", "vol0").assertSuccess("snapshot list").output.lines()
                .filter(line -> line.startsWith("auto-") && !line.contains("deleting"))
                .map(line -> line.split("\\s+")[0]).collect(Collectors.toList());
    }

    @Test
    void everyTwoSecondsKeepThreeHoldsThreeAndAHeldOneStays(@TempDir Path dir) throws Exception {
        ExternalTools.require("iscsi-ls");
        int metricsPort = ExternalTools.freeLoopbackPort();
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start("--metrics", "127.0.0.1:"
                + metricsPort)) {
            server.cli("schedule", "set", "vol0", "every 2s keep 3").assertSuccess("schedule set");
            Thread.sleep(15_000);
            List<String> after15s = autoSnapshots(server);
            assertEquals(3, after15s.size(), after15s + "\n" + server.log());
            assertTrue(after15s.stream().allMatch(name -> name.matches("auto-[0-9]{8}t[0-9]{6}z")), after15s.toString());
            String served = ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("iscsi-ls").output;
            assertTrue(served.contains(ServerProcess.IQN + "vol0." + after15s.get(2)), served);

            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher success = java.util.regex.Pattern.compile(
                    "snapshare_schedule_last_success_timestamp_seconds\\{volume=\"vol0\"} ([0-9.eE+]+)")
                    .matcher(metrics);
            assertTrue(success.find(), metrics);
            assertTrue(Math.abs(Double.parseDouble(success.group(1)) - System.currentTimeMillis() / 1000.0) < 10);
            String held = after15s.get(2); // the newest: the oldest may be pruned before the hold lands
            server.cli("snapshot", "hold", "vol0", held).assertSuccess("snapshot hold");
            Thread.sleep(8_000);
            List<String> later = autoSnapshots(server);
            assertTrue(later.contains(held), "the held snapshot was pruned: " + later);
            assertEquals(4, later.size(), "the held one and the three the rule keeps: " + later);
            assertTrue(server.cli("snapshot", "delete", "vol0", held).output.contains("is held"));
            String list = server.cli("schedule", "list").assertSuccess("schedule list").output;
            assertTrue(list.contains("every 2s keep 3") && list.contains("vol0"), list);

            server.cli("snapshot", "release", "vol0", held).assertSuccess("snapshot release");
            Thread.sleep(4_000);
            assertTrue(!autoSnapshots(server).contains(held), "released: pruned at the next tick");
            server.cli("schedule", "clear", "vol0").assertSuccess("schedule clear");
            List<String> cleared = autoSnapshots(server);
            Thread.sleep(4_000);
            assertEquals(cleared, autoSnapshots(server), "no schedule: nothing taken or pruned");
        }
    }
}
