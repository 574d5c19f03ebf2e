package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs real clients (libiscsi tools, qemu-io, qemu-img) with a time limit. */
public final class ExternalTools {

    /** What a finished command printed and returned. */
    public static final class Result {
        public final int exitCode;
        public final String output;

        Result(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }

        public Result assertSuccess(String what) {
            if (exitCode != 0) {
                fail(what + " exited " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    private ExternalTools() {
    }

    /** Fails with the install hint if a client is missing, rather than skipping silently. */
    static void require(String... tools) {
        for (String tool : tools) {
            boolean found = List.of(System.getenv("PATH").split(":")).stream()
                    .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
            if (!found) {
                fail(tool + " is not installed; run the README's test command, which installs the Debian"
                        + " packages the tests need (integration-tests/run-all.sh lists them)");
            }
        }
    }

    public static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[][] output = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                output[0] = process.getInputStream().readAllBytes();
            } catch (IOException e) {
                output[0] = new byte[0];
            }
        });
        reader.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            reader.join();
            fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n"
                    + new String(output[0], StandardCharsets.UTF_8));
        }
        reader.join();
        return new Result(process.exitValue(), new String(output[0], StandardCharsets.UTF_8));
    }

    /** A TCP port free on the loopback address now, for a server the test starts. */
    static int freeLoopbackPort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** qemu-io with its commands, against a raw iSCSI LUN. */
    static Result qemuIo(String url, String... commands) throws IOException, InterruptedException {
        String[] command = new String[4 + 2 * commands.length];
        command[0] = "qemu-io";
        command[1] = "-f";
        command[2] = "raw";
        for (int i = 0; i < commands.length; i++) {
            command[3 + 2 * i] = "-c";
            command[4 + 2 * i] = commands[i];
        }
        command[command.length - 1] = url;
        return run(120, command);
    }
}
