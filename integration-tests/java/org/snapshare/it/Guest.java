package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU guest booted from the kernel and initrd of
 * integration-tests/guest/build-guest.sh, running one scenario of its init.sh.
 * The guest reaches the host's 127.0.0.1 as 10.0.2.2 (QEMU's user network);
 * it reports on its serial console with "@@ " lines and reads the host's
 * answers from it. A "@@ FAIL" line fails the test at once, with the transcript.
 */
final class Guest implements Closeable {

    private static Path image;
    private static String accelerator;

    private final String name;
    private final Process qemu;
    private final Writer console;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer transcript = new StringBuffer();
    private final long started = System.nanoTime();

    private Guest(String name, List<String> command) throws IOException {
        this.name = name;
        this.qemu = new ProcessBuilder(command).redirectErrorStream(true).start();
        this.console = new OutputStreamWriter(qemu.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(qemu.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    transcript.append(line).append('\n');
                    if (line.startsWith("@@ ")) {
                        System.out.println("[" + name + "] " + line.substring(3));
                        lines.add(line.substring(3));
                    }
                }
            } catch (IOException e) {
                transcript.append("(console read failed: ").append(e).append(")\n");
            }
        }, "console-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** The guest's kernel and initrd, built (or taken from the cache) once per test run. */
    static synchronized Path image() throws Exception {
        if (image == null) {
            ExternalTools.Result built = ExternalTools.run(900, "bash", "integration-tests/guest/build-guest.sh")
                    .assertSuccess("building the test guest");
            String[] output = built.output.strip().split("\n");
            image = Path.of(output[output.length - 1]);
        }
        return image;
    }

    /** "kvm" when /dev/kvm boots the guest here, else "tcg" (software emulation). */
    static synchronized String accelerator() throws Exception {
        if (accelerator == null) {
            accelerator = "tcg";
            if (java.nio.file.Files.exists(Path.of("/dev/kvm"))) {
                try (Guest probe = boot("probe", "kvm", "scenario=probe", List.of())) {
                    if (probe.tryAwait("PASS", 20)) {
                        accelerator = "kvm";
                    }
                }
            }
            System.out.println("guests run with " + accelerator);
        }
        return accelerator;
    }

    /** Boots {@code scenario} with kernel arguments {@code args} and extra QEMU options (drives). */
    static Guest start(String name, String scenario, String args, List<String> qemuOptions) throws Exception {
        return boot(name, accelerator(), "scenario=" + scenario + " " + args, qemuOptions);
    }

    private static Guest boot(String name, String accel, String args, List<String> qemuOptions) throws Exception {
        Path dir = image();
        List<String> command = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", accel, "-m", "512",
                "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio",
                "-kernel", dir.resolve("vmlinuz").toString(), "-initrd", dir.resolve("initrd.gz").toString(),
                "-append", "console=ttyS0 loglevel=4 " + args,
                "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0"));
        if (accel.equals("kvm")) {
            command.addAll(List.of("-cpu", "host"));
        }
        command.addAll(qemuOptions);
        return new Guest(name, command);
    }

    /** Waits for the guest line {@code expected}; fails on "FAIL ..." or after {@code seconds}. */
    void await(String expected, long seconds) throws InterruptedException {
        if (!tryAwait(expected, seconds)) {
            fail(name + ": no '" + expected + "' from the guest within " + seconds + " s; console:\n" + transcript);
        }
    }

    private boolean tryAwait(String expected, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                return false;
            }
            if (line.startsWith("FAIL")) {
                fail(name + ": the guest failed: " + line + "\nconsole:\n" + transcript);
            }
            if (line.equals(expected)) {
                return true;
            }
        }
    }

    /** A line to the guest's console. */
    void send(String line) throws IOException {
        console.write(line + "\n");
        console.flush();
    }

    /** Waits for the guest to power off; returns seconds since boot. */
    long awaitExit(long seconds) throws InterruptedException {
        if (!qemu.waitFor(seconds, TimeUnit.SECONDS)) {
            fail(name + ": the guest did not power off within " + seconds + " s; console:\n" + transcript);
        }
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    }

    @Override
    public void close() {
        if (qemu.isAlive()) {
            qemu.destroyForcibly();
        }
    }
}
