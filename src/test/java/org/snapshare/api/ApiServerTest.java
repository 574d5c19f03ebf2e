package org.snapshare.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.appliance.ApiRole;
import org.snapshare.appliance.Appliance;
import org.snapshare.appliance.ApplianceConfig;

/** The API served for real on 127.0.0.1 over TLS with the generated certificate, called as clients call it. */
class ApiServerTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;
    private Appliance appliance;
    private ApiServer server;
    private ApiClient admin;
    private String viewerToken;
    private String operatorToken;

    @BeforeEach
    void start() throws Exception {
        ApplianceConfig config = ApplianceConfig.defaults().with("data-dir", dir.resolve("data").toString())
                .with("portal", "127.0.0.1:0").with("default-volume-size", "1M").with("api-listen", "127.0.0.1:0");
        appliance = Appliance.start(config);
        server = ApiServer.start(appliance, config.apiListen().orElseThrow(), appliance.apiAccess().certificate().orElseThrow());
        admin = new ApiClient(appliance.apiAccess().certificate().orElseThrow().certificate(), server.port(),
                appliance.apiAccess().tokens().create("root", ApiRole.ADMIN));
        viewerToken = appliance.apiAccess().tokens().create("watcher", ApiRole.VIEWER);
        operatorToken = appliance.apiAccess().tokens().create("backup", ApiRole.OPERATOR);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        appliance.close();
    }

    private static String volumeJson(String name, long size) {
        return "{\"name\": \"" + name + "\", \"size\": " + size + "}";
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(item -> names.add(item.get("name").asText()));
        return names;
    }

    @Test
    void volumesAndSnapshotsAreMadeListedRolledBackAndDeleted() throws Exception {
        ApiClient.Answer created = admin.send("POST", "/api/v1/volumes", volumeJson("web", 4 * MIB), List.of());
        assertEquals(201, created.status(), created.body());
        assertEquals("web", created.json().get("name").asText());
        assertEquals(4 * MIB, created.json().get("size_bytes").asLong());
        assertEquals("iqn.2026-11.org.snapshare:web", created.json().get("target").asText());
        assertEquals("/api/v1/volumes/web", created.header("Location"));
        assertEquals(List.of("vol0", "web"), names(admin.get("/api/v1/volumes").json()));

        ApiClient.Answer grown = admin.send("PATCH", "/api/v1/volumes/web", "{\"size\": " + 8 * MIB + "}", List.of());
        assertEquals(200, grown.status(), grown.body());
        assertEquals(8 * MIB, admin.get("/api/v1/volumes/web").json().get("size_bytes").asLong());

        ApiClient.Answer snapshot = admin.as(operatorToken).send("POST", "/api/v1/volumes/web/snapshots",
                "{\"name\": \"before\"}", List.of());
        assertEquals(201, snapshot.status(), snapshot.body());
        assertEquals("live", snapshot.json().get("state").asText());
        assertEquals("iqn.2026-11.org.snapshare:web.before", snapshot.json().get("target").asText());
        assertEquals(List.of("before"), names(admin.get("/api/v1/volumes/web/snapshots").json()));
        assertEquals(1, admin.get("/api/v1/volumes/web").json().get("snapshots").asInt());
        assertTrue(snapshot.json().get("parent").isNull(), "a snapshot of the origin: " + snapshot.body());

        ApiClient.Answer child = admin.as(operatorToken).send("POST", "/api/v1/volumes/web/snapshots",
                "{\"name\": \"child\", \"from\": \"before\"}", List.of());
        assertEquals(201, child.status(), child.body());
        assertEquals("before", child.json().get("parent").asText());
        assertEquals("iqn.2026-11.org.snapshare:web.child", child.json().get("target").asText());
        ApiClient.Answer orphan = admin.as(operatorToken).send("POST", "/api/v1/volumes/web/snapshots",
                "{\"name\": \"orphan\", \"from\": \"nothing\"}", List.of());
        assertEquals(404, orphan.status(), orphan.body());
        ApiClient.Answer reset = admin.as(operatorToken).send("POST", "/api/v1/volumes/web/snapshots/child/reset",
                null, List.of());
        assertEquals(200, reset.status(), reset.body());
        assertEquals("before", reset.json().get("parent").asText());
        assertEquals(403, admin.as(viewerToken).send("POST", "/api/v1/volumes/web/snapshots/child/reset", null,
                List.of()).status(), "a viewer cannot reset");
        ApiClient.Answer clone = admin.send("POST", "/api/v1/volumes", "{\"name\": \"vm1\", \"from\": \"web@child\"}",
                List.of());
        assertEquals(201, clone.status(), clone.body());
        assertEquals(8 * MIB, clone.json().get("size_bytes").asLong(), "a clone takes its source's size");
        assertEquals("iqn.2026-11.org.snapshare:vm1", clone.json().get("target").asText());
        ApiClient.Answer sized = admin.send("POST", "/api/v1/volumes", "{\"name\": \"vm2\", \"from\": \"web@child\","
                + " \"size\": 1048576}", List.of());
        assertEquals(400, sized.status(), sized.body());
        assertTrue(sized.json().get("detail").asText().contains("takes its size from its source"), sized.body());
        assertEquals(403, admin.as(operatorToken).send("POST", "/api/v1/volumes",
                "{\"name\": \"vm3\", \"from\": \"web@child\"}", List.of()).status(), "an operator cannot clone");
        for (int i = 0; i < 300 && !admin.get("/api/v1/volumes/vm1").json().get("state").asText().equals("ok"); i++) {
            Thread.sleep(100); // the copy ends; then vm1 no longer depends on web
        }
        assertEquals("ok", admin.get("/api/v1/volumes/vm1").json().get("state").asText());
        assertEquals(204, admin.send("DELETE", "/api/v1/volumes/vm1", null, List.of()).status());
        ApiClient.Answer childGone = admin.as(operatorToken).send("DELETE", "/api/v1/volumes/web/snapshots/child",
                null, List.of());
        assertEquals("succeeded", awaitJob(childGone.header("Location")).get("state").asText());

        ApiClient.Answer rollback = admin.as(operatorToken).send("POST",
                "/api/v1/volumes/web/snapshots/before/rollback", null, List.of());
        assertEquals(202, rollback.status(), rollback.body());
        String job = rollback.header("Location");
        assertEquals("/api/v1/jobs/" + rollback.json().get("id").asText(), job);
        JsonNode state = awaitJob(job);
        assertEquals("succeeded", state.get("state").asText(), state.toString());
        assertEquals(1.0, state.get("progress").asDouble());
        assertEquals(2, admin.get("/api/v1/jobs").json().size(), "the child's delete and the rollback");

        ApiClient.Answer diff = admin.get("/api/v1/volumes/web/snapshots/before/diff");
        assertEquals(200, diff.status(), diff.body());
        assertEquals(0, diff.json().get("changed_bytes").asLong(), "rolled back: the origin is the snapshot again");

        ApiClient.Answer deleted = admin.as(operatorToken).send("DELETE", "/api/v1/volumes/web/snapshots/before",
                null, List.of());
        assertEquals(202, deleted.status(), deleted.body());
        JsonNode reclaim = awaitJob(deleted.header("Location"));
        assertEquals("delete", reclaim.get("kind").asText());
        assertEquals("succeeded", reclaim.get("state").asText(), reclaim.toString());
        assertEquals(404, admin.get("/api/v1/volumes/web/snapshots/before").status());
        assertEquals(204, admin.send("DELETE", "/api/v1/volumes/web", null, List.of()).status());
        ApiClient.Answer gone = admin.get("/api/v1/volumes/web");
        assertEquals(404, gone.status());
        assertEquals("application/problem+json", gone.header("Content-Type"));
        assertEquals(404, gone.json().get("status").asInt());
        assertTrue(gone.json().get("detail").asText().contains("no volume named web; `snapshare volume list`"),
                gone.body());
    }

    /** The job at {@code location} once it has ended (30 s at most). */
    private JsonNode awaitJob(String location) throws Exception {
        JsonNode state = admin.get(location).json();
        for (int i = 0; i < 300 && state.get("state").asText().equals("running"); i++) {
            Thread.sleep(100);
            state = admin.get(location).json();
        }
        return state;
    }

    @Test
    void aScrubIsAJobThatEndsWithItsSummary() throws Exception {
        ApiClient.Answer started = admin.send("POST", "/api/v1/volumes/vol0/scrub", "{\"rate\": 1073741824}",
                List.of());
        assertEquals(202, started.status(), started.body());
        JsonNode done = awaitJob(started.header("Location"));
        assertEquals("succeeded", done.get("state").asText(), done.toString());
        assertTrue(done.get("result").asText().contains("nothing damaged"), done.toString());
        assertEquals(403, admin.as(operatorToken).send("POST", "/api/v1/volumes/vol0/scrub", null, List.of())
                .status());
    }

    @Test
    void noTokenIs401AWrongOneToo() throws Exception {
        ApiClient.Answer none = admin.as(null).get("/api/v1/volumes");
        assertEquals(401, none.status());
        assertEquals("Bearer", none.header("WWW-Authenticate"));
        assertTrue(none.json().get("detail").asText().contains("snapshare token create"), none.body());
        assertEquals(401, admin.as("snapshare_0123456789abcdef_" + "A".repeat(43)).get("/api/v1/volumes").status());
        assertEquals(401, admin.as("not-a-token").get("/api/v1/volumes").status());
        assertEquals(200, admin.as(null).get("/api/v1/openapi.json").status(), "the document is open");
    }

    @Test
    void aRoleTooSmallIs403AndChangesNothing() throws Exception {
        ApiClient viewer = admin.as(viewerToken);
        assertEquals(200, viewer.get("/api/v1/volumes").status());
        ApiClient.Answer refused = viewer.send("POST", "/api/v1/volumes", volumeJson("nope", MIB), List.of());
        assertEquals(403, refused.status());
        assertTrue(refused.json().get("detail").asText().contains("role viewer; this needs admin"), refused.body());
        assertEquals(403, viewer.send("POST", "/api/v1/volumes/vol0/snapshots", "{\"name\": \"s\"}", List.of())
                .status());
        assertEquals(403, admin.as(operatorToken).send("DELETE", "/api/v1/volumes/vol0", null, List.of()).status());
        assertEquals(List.of("vol0"), names(admin.get("/api/v1/volumes").json()));
        assertEquals(0, admin.get("/api/v1/volumes/vol0/snapshots").json().size());
    }

    @Test
    void aRevokedTokenIsRefusedAtOnce() throws Exception {
        ApiClient viewer = admin.as(viewerToken);
        assertEquals(200, viewer.get("/api/v1/status").status());
        appliance.apiAccess().tokens().revoke("watcher");
        assertEquals(401, viewer.get("/api/v1/status").status());
    }

    @Test
    void anIdempotencyKeyMakesACreateSafeToRetry() throws Exception {
        List<String> key = List.of("Idempotency-Key", "create-db-1");
        ApiClient.Answer first = admin.send("POST", "/api/v1/volumes", volumeJson("db", MIB), key);
        ApiClient.Answer again = admin.send("POST", "/api/v1/volumes", volumeJson("db", MIB), key);
        assertEquals(201, first.status(), first.body());
        assertEquals(201, again.status(), again.body());
        assertEquals(first.body(), again.body());
        ApiClient.Answer without = admin.send("POST", "/api/v1/volumes", volumeJson("db", MIB), List.of());
        assertEquals(409, without.status(), "without the key a second create is a second create");
        assertEquals(422, admin.send("POST", "/api/v1/volumes", volumeJson("db2", MIB), key).status());
    }

    @Test
    void badBodiesAndValuesAre400WithWhatWasWrong() throws Exception {
        ApiClient.Answer unknown = admin.send("POST", "/api/v1/volumes", "{\"name\": \"a\", \"size\": 1048576,"
                + " \"colour\": \"red\"}", List.of());
        assertEquals(400, unknown.status());
        assertTrue(unknown.json().get("detail").asText().contains("colour"), unknown.body());
        ApiClient.Answer noSize = admin.send("POST", "/api/v1/volumes", "{\"name\": \"a\"}", List.of());
        assertEquals(400, noSize.status());
        assertTrue(noSize.json().get("detail").asText().contains("\"size\""), noSize.body());
        assertEquals(400, admin.send("POST", "/api/v1/volumes", volumeJson("a", -5), List.of()).status());
        assertEquals(400, admin.send("POST", "/api/v1/volumes", volumeJson("../etc", MIB), List.of()).status());
        assertEquals(400, admin.send("POST", "/api/v1/volumes", "[1, 2", List.of()).status());
        assertEquals(400, admin.get("/api/v1/volumes?limit=0").status());
        assertEquals(409, admin.send("PATCH", "/api/v1/volumes/vol0", "{\"size\": 4096}", List.of()).status(),
                "shrinking is refused");
        ApiClient.Answer huge = admin.send("POST", "/api/v1/volumes", "{\"name\": \"" + "x".repeat(100_000)
                + "\", \"size\": 1}", List.of());
        assertEquals(413, huge.status(), huge.body());
        assertEquals(List.of("vol0"), names(admin.get("/api/v1/volumes").json()));
    }

    @Test
    void listsComeInPagesWithALinkToTheNext() throws Exception {
        for (String name : List.of("a1", "a2", "a3")) {
            assertEquals(201, admin.send("POST", "/api/v1/volumes", volumeJson(name, MIB), List.of()).status());
        }
        ApiClient.Answer first = admin.get("/api/v1/volumes?limit=2");
        assertEquals(List.of("a1", "a2"), names(first.json()));
        assertEquals("</api/v1/volumes?limit=2&after=a2>; rel=\"next\"", first.header("Link"));
        ApiClient.Answer second = admin.get("/api/v1/volumes?limit=2&after=a2");
        assertEquals(List.of("a3", "vol0"), names(second.json()));
        assertNull(second.header("Link"));
        for (String name : List.of("zz", "mm", "aa")) { // taken out of name order
            assertEquals(201, admin.send("POST", "/api/v1/volumes/a1/snapshots", "{\"name\": \"" + name + "\"}",
                    List.of()).status());
        }
        assertEquals(List.of("aa", "mm"), names(admin.get("/api/v1/volumes/a1/snapshots?limit=2").json()));
        assertEquals(List.of("zz"), names(admin.get("/api/v1/volumes/a1/snapshots?limit=2&after=mm").json()));
    }

    @Test
    void guessingTokensIsCutOffAfterTenFailures() throws Exception {
        ApiClient guesser = admin.as("snapshare_0123456789abcdef_" + "B".repeat(43));
        for (int i = 0; i < FailedSignIns.LIMIT; i++) {
            assertEquals(401, guesser.get("/api/v1/volumes").status());
        }
        ApiClient.Answer cut = guesser.get("/api/v1/volumes");
        assertEquals(429, cut.status());
        assertNotNull(cut.header("Retry-After"));
        assertEquals(429, admin.get("/api/v1/volumes").status(), "the address waits, whatever token it sends");
    }

    @Test
    void unknownPathsAreProblemsToo() throws Exception {
        ApiClient.Answer missing = admin.get("/api/v1/nothing-here");
        assertEquals(404, missing.status());
        assertEquals("application/problem+json", missing.header("Content-Type"));
    }

    @Test
    void schedulesAndHoldsAreSetThroughTheApi() throws Exception {
        ApiClient.Answer set = admin.send("PUT", "/api/v1/volumes/vol0/schedule",
                "{\"policy\": \"every 1h keep 24;every 1d keep 7\"}", List.of());
        assertEquals(200, set.status(), set.body());
        assertEquals("every 1h keep 24; every 1d keep 7", set.json().get("policy").asText());
        assertEquals("set", set.json().get("source").asText());
        ApiClient.Answer listed = admin.as(viewerToken).get("/api/v1/schedules");
        assertEquals("vol0", listed.json().get(0).get("volume").asText());
        assertEquals(400, admin.send("PUT", "/api/v1/volumes/vol0/schedule", "{\"policy\": \"hourly\"}",
                List.of()).status());
        assertEquals(403, admin.as(operatorToken).send("PUT", "/api/v1/volumes/vol0/schedule",
                "{\"policy\": \"every 1h keep 1\"}", List.of()).status());
        assertEquals(204, admin.send("DELETE", "/api/v1/volumes/vol0/schedule", null, List.of()).status());
        assertEquals(0, admin.get("/api/v1/schedules").json().size());

        ApiClient operator = admin.as(operatorToken);
        assertEquals(201, operator.send("POST", "/api/v1/volumes/vol0/snapshots", "{\"name\": \"keep\"}",
                List.of()).status());
        ApiClient.Answer held = operator.send("PUT", "/api/v1/volumes/vol0/snapshots/keep/hold", null, List.of());
        assertEquals(200, held.status(), held.body());
        assertTrue(held.json().get("held").asBoolean());
        ApiClient.Answer refused = operator.send("DELETE", "/api/v1/volumes/vol0/snapshots/keep", null, List.of());
        assertEquals(409, refused.status());
        assertTrue(refused.json().get("detail").asText().contains("is held"), refused.body());
        assertEquals(200, operator.send("DELETE", "/api/v1/volumes/vol0/snapshots/keep/hold", null, List.of())
                .status());
        assertEquals(202, operator.send("DELETE", "/api/v1/volumes/vol0/snapshots/keep", null, List.of()).status());
    }

    @Test
    void aScheduleFromTheConfigIsTheConfigsToChange() throws Exception {
        server.close();
        appliance.close();
        ApplianceConfig config = ApplianceConfig.defaults().with("data-dir", dir.resolve("data").toString())
                .with("portal", "127.0.0.1:0").with("api-listen", "127.0.0.1:0");
        java.nio.file.Path file = dir.resolve("snapshare.conf");
        java.nio.file.Files.writeString(file, "schedule.vol0 = every 1d keep 7\nchap-user = host1\n"
                + "chap-secret = a-secret-never-shown\n");
        appliance = Appliance.start(config.withFile(file));
        server = ApiServer.start(appliance, config.apiListen().orElseThrow(), appliance.apiAccess().certificate().orElseThrow());
        admin = new ApiClient(appliance.apiAccess().certificate().orElseThrow().certificate(), server.port(),
                appliance.apiAccess().tokens().create("root2", ApiRole.ADMIN));
        ApiClient.Answer listed = admin.get("/api/v1/schedules");
        assertEquals("config", listed.json().get(0).get("source").asText(), listed.body());
        ApiClient.Answer refused = admin.send("PUT", "/api/v1/volumes/vol0/schedule",
                "{\"policy\": \"every 1h keep 1\"}", List.of());
        assertEquals(409, refused.status());
        assertTrue(refused.json().get("detail").asText().contains("schedule.vol0"), refused.body());
        ApiClient.Answer access = admin.get("/api/v1/access");
        assertEquals("host1", access.json().get("settings").get("chap-user").asText(), access.body());
        assertEquals("(set)", access.json().get("settings").get("chap-secret").asText());
        assertTrue(!access.body().contains("a-secret-never-shown"), access.body());
    }

    @Test
    void theConsoleIsServedFromTheJarWithStrictHeaders() throws Exception {
        ApiClient anyone = admin.as(null);
        ApiClient.Answer page = anyone.get("/");
        assertEquals(200, page.status());
        assertTrue(page.body().contains("<title>snapshare console</title>"), page.body());
        assertTrue(page.header("Content-Security-Policy").contains("default-src 'self'"));
        assertEquals("nosniff", page.header("X-Content-Type-Options"));
        assertEquals(200, anyone.get("/app.js").status());
        assertEquals(200, anyone.get("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js").status());
        ApiClient.Answer io = admin.get("/api/v1/io");
        assertEquals(200, io.status(), io.body());
        assertEquals("vol0", io.json().get("luns").get(0).get("volume").asText(), "the API counts LUN I/O");
        assertEquals(401, anyone.get("/api/v1/io").status());
    }

    @Test
    void sessionsClusterAndAccessAreShown() throws Exception {
        try (org.snapshare.iscsi.TestInitiator initiator = new org.snapshare.iscsi.TestInitiator(appliance.portal())) {
            initiator.loginNormal("iqn.2026-11.org.snapshare:vol0");
            ApiClient.Answer sessions = admin.as(viewerToken).get("/api/v1/sessions");
            assertEquals(200, sessions.status(), sessions.body());
            assertEquals(1, sessions.json().size(), sessions.body());
            assertEquals("iqn.2026-11.org.snapshare:vol0", sessions.json().get(0).get("target").asText());
            assertTrue(sessions.json().get(0).get("address").asText().contains("127.0.0.1"), sessions.body());
        }
        ApiClient.Answer cluster = admin.get("/api/v1/cluster");
        assertEquals("", cluster.json().get("node").asText(), "a single node");
        ApiClient.Answer access = admin.get("/api/v1/access");
        assertEquals(200, access.status(), access.body());
        assertEquals(false, access.json().get("targets").get(0).get("read_only").asBoolean());
        assertEquals(403, admin.as(viewerToken).get("/api/v1/access").status());
    }

    /** Connections that never speak hold at most the API's own slots: iSCSI and the API's other clients go on. */
    @Test
    void aFloodOfSilentConnectionsStaysWithinTheApisSlots() throws Exception {
        List<java.net.Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < ApiServer.MAX_CONNECTIONS - 8; i++) {
                flood.add(new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.port()));
            }
            assertEquals(200, admin.get("/api/v1/status").status(), "a client still gets in");
            try (org.snapshare.iscsi.TestInitiator initiator =
                    new org.snapshare.iscsi.TestInitiator(appliance.portal())) {
                initiator.loginNormal("iqn.2026-11.org.snapshare:vol0");
            }
        } finally {
            for (java.net.Socket socket : flood) {
                socket.close();
            }
        }
    }

    /** A replication set through the API takes the token itself: no path on the server comes from the network. */
    @Test
    void aReplicationSetThroughTheApiKeepsItsTokenPrivately() throws Exception {
        ApiClient.Answer pathGiven = admin.send("PUT", "/api/v1/volumes/vol0/replication",
                "{\"to\": \"https://127.0.0.1:9\", \"token_file\": \"/etc/passwd\"}", List.of());
        assertEquals(400, pathGiven.status(), pathGiven.body());
        ApiClient.Answer set = admin.send("PUT", "/api/v1/volumes/vol0/replication",
                "{\"to\": \"https://127.0.0.1:9\", \"token\": \"snapshare_remote\", \"keep\": \"every 1d keep 3\"}",
                List.of());
        assertEquals(200, set.status(), set.body());
        assertEquals("every 1d keep 3", set.json().get("keep").asText());
        java.nio.file.Path kept = dir.resolve("data/api/replication/vol0.token");
        assertEquals("snapshare_remote", java.nio.file.Files.readString(kept).strip());
        assertTrue(!set.body().contains("snapshare_remote"), "the token is never shown again");
        assertEquals(1, admin.get("/api/v1/replications").json().size());
        assertEquals(204, admin.send("DELETE", "/api/v1/volumes/vol0/replication", null, List.of()).status());
    }
}
