package org.snapshare.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's exit codes and messages, without a server. */
class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void versionAndHelpSucceed() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("snapshare "));
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("volume create NAME --size SIZE"));
        assertEquals(0, run("volume", "create", "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--size"));
    }

    @Test
    void usageErrorsExitTwoWithOneClearLine() {
        assertEquals(2, run());
        assertEquals(2, run("frobnicate"));
        assertTrue(stderr().contains("unknown command 'frobnicate'"));
        assertEquals(2, run("volume", "create", "v1"));
        assertTrue(stderr().contains("needs --size"));
        assertEquals(2, run("volume", "create", "v1", "--size", "ten"));
        assertTrue(stderr().contains("invalid size 'ten'"));
        assertEquals(2, run("volume", "create", "V_1", "--size", "1G"));
        assertTrue(stderr().contains("invalid volume name"));
        assertEquals(2, run("snapshot", "create", "vol0", "Bad_Name"));
        assertTrue(stderr().contains("invalid snapshot name 'Bad_Name'"), stderr());
        assertEquals(2, run("scrub", "vol0", "--rate", "fast"));
        assertTrue(stderr().contains("--rate: invalid size 'fast'"), stderr());
        assertEquals(2, run("volume", "resize", "vol0"));
        assertTrue(stderr().contains("needs --size"), stderr());
        assertEquals(2, run("snapshot", "export", "vol0", "s1", "--resume-from", "half"));
        assertTrue(stderr().contains("--resume-from takes a byte offset"), stderr());
        assertEquals(2, run("snapshot", "diff", "vol0", "s1"));
        assertTrue(stderr().contains("takes 3 argument(s)"), stderr());
        assertEquals(2, run("snapshot", "create", "vol0", "origin"));
        assertTrue(stderr().contains("stands for the volume's origin"), stderr());
        assertEquals(2, run("serve", "--bogus"));
        assertTrue(stderr().contains("Unrecognized option: --bogus"));
        assertFalse(stderr().contains("Exception"), "no stack traces for user errors");
    }

    @Test
    void commandsWithoutAServerSayHowToStartOne(@TempDir Path dir) {
        assertEquals(1, run("status", "--data-dir", dir.toString()));
        assertTrue(stderr().contains("no snapshare server is running"));
        assertTrue(stderr().contains("snapshare serve --data-dir " + dir));
    }

    @Test
    void checkOfAMissingVolumeSaysSo(@TempDir Path dir) {
        assertEquals(1, run("check", "nope", "--data-dir", dir.toString()));
        assertTrue(stderr().contains("no volume named nope"), stderr());
        assertEquals(2, run("check", "--data-dir", dir.toString()));
    }

    @Test
    void serveWithABadPortalFailsClearly(@TempDir Path dir) {
        assertEquals(1, run("serve", "--data-dir", dir.toString(), "--portal", "127.0.0.1:99999"));
        assertTrue(stderr().contains("port 99999 out of range"), stderr());
    }
}
