package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management API as an orchestrator uses it: the packaged server with
 * `serve --api`, tokens from `snapshare token create`, and curl pinned to
 * the generated certificate; what the API makes is served (iscsi-ls) and
 * holds what qemu-io wrote.
 */
class ApiIT {

    /** A curl answer: the HTTP status and the body. */
    private record Answer(int status, String body) {
    }

    private Path certificate;
    private int apiPort;

    private Answer curl(String token, String method, String path, String json) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "--cacert",
                certificate.toString(), "-X", method, "-w", "\n%{http_code}"));
        if (token != null) {
            command.addAll(List.of("-H", "Authorization: Bearer " + token));
        }
        if (json != null) {
            command.addAll(List.of("-H", "Content-Type: application/json", "--data", json));
        }
        command.add("https://127.0.0.1:" + apiPort + path);
        ExternalTools.Result result = ExternalTools.run(90, command.toArray(new String[0])).assertSuccess("curl");
        String output = result.output;
        int cut = output.lastIndexOf('\n');
        return new Answer(Integer.parseInt(output.substring(cut + 1).strip()), output.substring(0, cut));
    }

    private static String firstLine(ExternalTools.Result result) {
        return result.output.lines().findFirst().orElseThrow().strip();
    }

    @Test
    void curlManagesVolumesSnapshotsAndARollbackThroughTheApi(@TempDir Path dir) throws Exception {
        ExternalTools.require("curl", "iscsi-ls", "qemu-io");
        apiPort = ExternalTools.freeLoopbackPort();
        Path data = dir.resolve("data");
        try (ServerProcess server = new ServerProcess(data).start("--api", "127.0.0.1:" + apiPort)) {
            certificate = data.resolve("api/tls-cert.pem");
            ExternalTools.Result made = server.cli("token", "create", "orchestrator", "--role", "admin")
                    .assertSuccess("token create");
            String admin = firstLine(made);
            assertTrue(admin.startsWith("snapshare_"), made.output);
            assertTrue(made.output.contains("fingerprint: " + fingerprint(certificate)), made.output);
            String viewer = firstLine(server.cli("token", "create", "dashboard", "--role", "viewer")
                    .assertSuccess("token create viewer"));
            assertTrue(server.cli("token", "list").assertSuccess("token list").output.contains("dashboard"));

            assertEquals(401, curl(null, "GET", "/api/v1/volumes", null).status());
            Answer created = curl(admin, "POST", "/api/v1/volumes", "{\"name\": \"api1\", \"size\": 8388608}");
            assertEquals(201, created.status(), created.body());
            Answer snapshot = curl(admin, "POST", "/api/v1/volumes/api1/snapshots", "{\"name\": \"s1\"}");
            assertEquals(201, snapshot.status(), snapshot.body());
            assertTrue(curl(admin, "GET", "/api/v1/volumes", null).body().contains("\"name\":\"api1\""));
            assertTrue(curl(viewer, "GET", "/api/v1/volumes/api1/snapshots", null).body()
                    .contains("\"name\":\"s1\""));
            String served = ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("iscsi-ls").output;
            assertTrue(served.contains(ServerProcess.IQN + "api1") && served.contains(ServerProcess.IQN
                    + "api1.s1"), served);
            assertEquals(403, curl(viewer, "POST", "/api/v1/volumes/api1/snapshots", "{\"name\": \"s2\"}")
                    .status());

            ExternalTools.qemuIo(server.url("api1"), "write -P 0x77 0 8M", "flush").assertSuccess("overwrite");
            Answer rollback = curl(admin, "POST", "/api/v1/volumes/api1/snapshots/s1/rollback", null);
            assertEquals(202, rollback.status(), rollback.body());
            String job = rollback.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            Answer state = curl(viewer, "GET", "/api/v1/jobs/" + job, null);
            for (int i = 0; i < 300 && state.body().contains("\"state\":\"running\""); i++) {
                Thread.sleep(100);
                state = curl(viewer, "GET", "/api/v1/jobs/" + job, null);
            }
            assertTrue(state.body().contains("\"state\":\"succeeded\""), state.body());
            ExternalTools.qemuIo(server.url("api1"), "read -P 0 0 8M").assertSuccess("origin back to s1 (zeros)");

            assertEquals(202, curl(admin, "DELETE", "/api/v1/volumes/api1/snapshots/s1", null).status());
            assertEquals(204, curl(admin, "DELETE", "/api/v1/volumes/api1", null).status());
            Answer gone = curl(admin, "GET", "/api/v1/volumes/api1", null);
            assertEquals(404, gone.status());
            assertTrue(gone.body().contains("\"detail\":\"no volume named api1"), gone.body());
            assertFalse(ExternalTools.run(30, "iscsi-ls", server.portalUrl()).output.contains("api1"));
            assertTrue(curl(null, "GET", "/api/v1/openapi.json", null).body().contains("\"openapi\""));

            server.cli("token", "revoke", "dashboard").assertSuccess("token revoke");
            assertEquals(401, curl(viewer, "GET", "/api/v1/volumes", null).status());
            assertTrue(server.log().contains("token=orchestrator role=admin from=127.0.0.1 DELETE /api/v1/volumes/api1"
                    + " -> 204"), "audit line missing:\n" + server.log());
        }
    }

    private static String fingerprint(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            byte[] der = CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(der));
        }
    }
}
