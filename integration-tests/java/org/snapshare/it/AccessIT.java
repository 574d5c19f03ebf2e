package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CHAP (one-way and mutual) and initiator ACLs, with libiscsi's tools and qemu-io as the initiators. */
class AccessIT {

    private static final String SECRET = "alice-secret-123";
    private static final String TARGET_SECRET = "target-secret-456";
    private static final String FRIEND = "iqn.2026-11.org.snapshare:friend";
    private static final String STRANGER = "iqn.2026-11.org.snapshare:stranger";

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("iscsi-ls", "iscsi-inq", "qemu-io");
    }

    private static ServerProcess start(Path dir) throws Exception {
        Path config = dir.resolve("access.conf");
        Files.writeString(config, String.join("\n",
                "chap-user = alice",
                "chap-secret = " + SECRET,
                "mutual-chap-user = snapshare",
                "mutual-chap-secret = " + TARGET_SECRET,
                "allowed-initiators.locked = " + FRIEND,
                ""));
        return new ServerProcess(dir.resolve("data")).start("--config", config.toString());
    }

    /** iscsi://alice%SECRET@127.0.0.1:PORT/TARGET/0 with extra URL arguments. */
    private static String chapUrl(ServerProcess server, String volume, String secret, String arguments) {
        return server.url(volume).replace("iscsi://", "iscsi://alice%" + secret + "@") + arguments;
    }

    @Test
    void chapLetsTheRightSecretInAndKeepsEveryoneElseOut(@TempDir Path dir) throws Exception {
        try (ServerProcess server = start(dir)) {
            ExternalTools.Result none = ExternalTools.run(30, "iscsi-inq", server.url("vol0"));
            assertNotEquals(0, none.exitCode, "no credentials: " + none.output);
            ExternalTools.Result wrong = ExternalTools.run(30, "iscsi-inq", chapUrl(server, "vol0", "wrong-secret-999", ""));
            assertNotEquals(0, wrong.exitCode, "wrong secret: " + wrong.output);

            ExternalTools.run(30, "iscsi-inq", chapUrl(server, "vol0", SECRET, "")).assertSuccess("CHAP login");
            ExternalTools.Result io = ExternalTools.qemuIo(chapUrl(server, "vol0", SECRET, ""),
                    "write -P 0x5e 0 1M", "read -P 0x5e 0 1M").assertSuccess("qemu-io with CHAP");
            assertFalse(io.output.contains("failed"), io.output);

            String log = server.log();
            assertTrue(log.contains("CHAP name or secret wrong for user 'alice'"), log);
            assertTrue(log.contains("requires CHAP"), log);
            assertFalse(log.contains(SECRET) || log.contains(TARGET_SECRET) || log.contains("wrong-secret-999"),
                    "a secret reached the log:\n" + log);
        }
    }

    @Test
    void mutualChapProvesTheTargetToo(@TempDir Path dir) throws Exception {
        try (ServerProcess server = start(dir)) {
            ExternalTools.run(30, "iscsi-inq", chapUrl(server, "vol0", SECRET,
                    "?target_user=snapshare&target_password=" + TARGET_SECRET)).assertSuccess("mutual CHAP");
            ExternalTools.Result impostor = ExternalTools.run(30, "iscsi-inq", chapUrl(server, "vol0", SECRET,
                    "?target_user=snapshare&target_password=not-the-target-secret"));
            assertNotEquals(0, impostor.exitCode, "the initiator must refuse a target with another secret: "
                    + impostor.output);
        }
    }

    @Test
    void onlyListedInitiatorsReachAnAclTarget(@TempDir Path dir) throws Exception {
        try (ServerProcess server = start(dir)) {
            server.cli("volume", "create", "locked", "--size", "8M").assertSuccess("create");
            ExternalTools.run(30, "iscsi-inq", "-i", FRIEND, chapUrl(server, "locked", SECRET, ""))
                    .assertSuccess("listed initiator");
            ExternalTools.Result refused = ExternalTools.run(30, "iscsi-inq", "-i", STRANGER,
                    chapUrl(server, "locked", SECRET, ""));
            assertNotEquals(0, refused.exitCode, refused.output);
            assertTrue(server.log().contains("initiator " + STRANGER + " is not in the allowed-initiators"),
                    server.log());

            // every target needs CHAP, so discovery does too (the plain chap-user/secret, docs/ACCESS.md)
            assertNotEquals(0, ExternalTools.run(30, "iscsi-ls", "-i", FRIEND, server.portalUrl()).exitCode,
                    "discovery without CHAP");
            String discovery = server.portalUrl().replace("iscsi://", "iscsi://alice%" + SECRET + "@");
            ExternalTools.Result strangerSees = ExternalTools.run(30, "iscsi-ls", "-i", STRANGER, discovery)
                    .assertSuccess("discovery");
            assertFalse(strangerSees.output.contains(ServerProcess.IQN + "locked"), strangerSees.output);
            assertTrue(strangerSees.output.contains(ServerProcess.IQN + "vol0"), strangerSees.output);
            ExternalTools.Result friendSees = ExternalTools.run(30, "iscsi-ls", "-i", FRIEND, discovery)
                    .assertSuccess("discovery");
            assertTrue(friendSees.output.contains(ServerProcess.IQN + "locked"), friendSees.output);
        }
    }

    /** A node entry ties an initiator name to its own CHAP: the shared secret no longer lets anyone claim it. */
    @Test
    void anInitiatorWithANodeEntryCannotBeImpersonatedWithTheSharedSecret(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("nodes.conf");
        Files.writeString(config, String.join("\n",
                "chap-user = alice",
                "chap-secret = " + SECRET,
                "node.friend.name = " + FRIEND,
                "node.friend.chap-user = friend",
                "node.friend.chap-secret = friend-secret-789",
                "allowed-initiators.locked = " + FRIEND,
                ""));
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start("--config", config.toString())) {
            server.cli("volume", "create", "locked", "--size", "8M").assertSuccess("create");
            assertNotEquals(0, ExternalTools.run(30, "iscsi-inq", "-i", FRIEND, chapUrl(server, "locked", SECRET, ""))
                    .exitCode, "the shared secret claimed the friend's name");
            String own = server.url("locked").replace("iscsi://", "iscsi://friend%friend-secret-789@");
            ExternalTools.run(30, "iscsi-inq", "-i", FRIEND, own).assertSuccess("the friend with its own CHAP");
            ExternalTools.run(30, "iscsi-inq", "-i", STRANGER, chapUrl(server, "vol0", SECRET, ""))
                    .assertSuccess("others keep the shared secret");
        }
    }

    @Test
    void badAccessSettingsStopTheServerWithOneLine(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("bad.conf");
        Files.writeString(config, "chap-user = alice\nchap-secret = short\n");
        ExternalTools.Result result = ExternalTools.run(60, "java", "-jar", ServerProcess.jar(), "serve",
                "--data-dir", dir.resolve("data").toString(), "--portal", "127.0.0.1:0", "--config", config.toString());
        assertEquals(1, result.exitCode, result.output);
        assertTrue(result.output.contains("chap-secret must be 12 to 255 characters"), result.output);
        assertFalse(result.output.contains("short"), "the secret itself is not echoed: " + result.output);
    }
}
