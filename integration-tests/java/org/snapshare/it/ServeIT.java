package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged server against real clients: libiscsi's tools and qemu-io / qemu-img. */
class ServeIT {

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("iscsi-ls", "iscsi-inq", "qemu-io", "qemu-img");
    }

    @Test
    void servesTheDefaultVolumeAndKeepsWrittenDataAcrossARestart(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            ExternalTools.Result ls = ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("iscsi-ls");
            assertTrue(ls.output.contains("Target:" + ServerProcess.IQN + "vol0 Portal:127.0.0.1:" + server.port),
                    ls.output);

            String url = server.url("vol0");
            ExternalTools.Result info = ExternalTools.run(30, "qemu-img", "info", url).assertSuccess("qemu-img info");
            assertTrue(info.output.contains("1 GiB (1073741824 bytes)"), info.output);

            ExternalTools.qemuIo(url,
                    "write -P 0xa1 0 1M",             // first chunk
                    "write -P 0xb2 5000k 300k",       // not chunk-aligned
                    "write -P 0xc3 1073741312 512",   // the very last block
                    "write -P 0xd4 100M 8M",          // a large write: several R2T bursts
                    "flush").assertSuccess("qemu-io write");
            verifyPatterns(url);

            ExternalTools.Result busy = server.cli("check", "vol0");
            assertEquals(1, busy.exitCode);
            assertTrue(busy.output.contains("check runs offline"), busy.output);

            assertEquals(143, server.stop(), "SIGTERM ends the JVM with 128+15 after a clean shutdown");
            assertTrue(server.log().contains("snapshare stopped"), server.log());
            ExternalTools.Result check = server.cli("check", "vol0").assertSuccess("check of a stopped server's volume");
            assertTrue(check.output.contains("\nclean"), check.output);

            server.start();
            verifyPatterns(url);
            ExternalTools.Result pastEnd = ExternalTools.qemuIo(url, "read 1073741824 512");
            assertTrue(pastEnd.output.contains("Input/output error") || pastEnd.exitCode != 0, pastEnd.output);
        }
    }

    private static void verifyPatterns(String url) throws Exception {
        ExternalTools.Result read = ExternalTools.qemuIo(url,
                "read -P 0xa1 0 1M",
                "read -P 0xb2 5000k 300k",
                "read -P 0x00 1M 3000k",
                "read -P 0xc3 1073741312 512",
                "read -P 0xd4 100M 8M").assertSuccess("qemu-io read");
        assertFalse(read.output.contains("failed"), read.output);
    }

    @Test
    void aVolumeCreatedOnARunningServerIsServedWithoutDisturbingOtherSessions(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            // An interactive qemu-io keeps one session open on vol0 across the volume changes.
            Process session = new ProcessBuilder("qemu-io", "-f", "raw", server.url("vol0"))
                    .redirectErrorStream(true).start();
            Writer toSession = new OutputStreamWriter(session.getOutputStream(), StandardCharsets.UTF_8);
            try {
                toSession.write("write -P 0x5c 0 64k\n");
                toSession.flush();

                server.cli("volume", "create", "vol1", "--size", "64M").assertSuccess("volume create");
                ExternalTools.Result ls = ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("ls");
                assertTrue(ls.output.contains(ServerProcess.IQN + "vol1"), ls.output);

                ExternalTools.qemuIo(server.url("vol1"), "write -P 0x6d 0 64M", "read -P 0x6d 0 64M")
                        .assertSuccess("qemu-io on the new volume");
                ExternalTools.Result list = server.cli("volume", "list").assertSuccess("volume list");
                assertTrue(list.output.matches("(?s).*vol0 +1\\.0 GiB +1 +" + ServerProcess.IQN + "vol0.*"),
                        list.output);
                assertTrue(list.output.contains("vol1"), list.output);

                server.cli("volume", "delete", "vol1").assertSuccess("volume delete");
                ls = ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("ls");
                assertFalse(ls.output.contains(ServerProcess.IQN + "vol1"), ls.output);

                toSession.write("read -P 0x5c 0 64k\n");
                toSession.flush();
                toSession.close(); // qemu-io reading a pipe ends at end of input
                assertTrue(session.waitFor(60, TimeUnit.SECONDS), "interactive qemu-io did not quit:\n" + server.log());
                String transcript = new String(session.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(transcript.contains("read 65536/65536 bytes at offset 0"), transcript);
                assertFalse(transcript.contains("failed") || transcript.contains("error"), transcript);
            } finally {
                session.destroyForcibly();
            }
        }
    }

    @Test
    void mistakesGetOneClearLineAndLoseNothing(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            ExternalTools.Result duplicate = server.cli("volume", "create", "vol0", "--size", "1G");
            assertEquals(1, duplicate.exitCode);
            assertTrue(duplicate.output.contains("volume vol0 already exists"), duplicate.output);

            ExternalTools.Result missing = server.cli("volume", "delete", "nope");
            assertEquals(1, missing.exitCode);
            assertTrue(missing.output.contains("no volume named nope"), missing.output);

            ExternalTools.Result second = ExternalTools.run(60, "java", "-jar", ServerProcess.jar(), "serve",
                    "--data-dir", server.dataDir.toString(), "--portal", "127.0.0.1:0");
            assertEquals(1, second.exitCode);
            assertTrue(second.output.contains("another snapshare process already uses data dir"), second.output);

            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(server.dataDir.resolve("control.sock"))));

            ExternalTools.Result status = server.cli("status").assertSuccess("status");
            assertTrue(status.output.contains("portal:      127.0.0.1:" + server.port), status.output);
            assertTrue(status.output.contains("volumes:     1"), status.output);
        }
    }

    @Test
    void concurrentClientsOnOneLunSeeTheirOwnData(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            String url = server.url("vol0");
            Process[] writers = new Process[4];
            for (int i = 0; i < writers.length; i++) {
                String offset = (i * 32) + "M";
                String pattern = "0x" + Integer.toHexString(0x10 + i);
                writers[i] = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "write -P " + pattern + " " + offset
                        + " 32M", "-c", "read -P " + pattern + " " + offset + " 32M", url)
                        .redirectErrorStream(true).start();
            }
            for (Process writer : writers) {
                assertTrue(writer.waitFor(120, TimeUnit.SECONDS), "qemu-io hung");
                String output = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))
                        .lines().reduce("", (a, b) -> a + b + "\n");
                assertEquals(0, writer.exitValue(), output);
            }
            ExternalTools.qemuIo(url, "read -P 0x10 0 32M", "read -P 0x11 32M 32M", "read -P 0x12 64M 32M",
                    "read -P 0x13 96M 32M").assertSuccess("read back");
        }
    }
}
