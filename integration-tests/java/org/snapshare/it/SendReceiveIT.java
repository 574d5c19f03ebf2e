package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.snapshare.it.SnapshotIT.io;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Off-box backups: `snapshot export` on one server piped into `snapshot
 * import` on another, each through its CLI as a user runs them; what
 * arrives is compared with qemu-img over iSCSI. Refused streams leave the
 * target as it was; an interrupted import resumes; kill -9 during an import
 * leaves a checkable volume with the new snapshot whole or not at all.
 */
class SendReceiveIT {

    private static final long MIB = 1 << 20;
    private static final String SIZE = "64M";

    @BeforeAll
    static void clientsInstalled() {
        ExternalTools.require("qemu-io", "qemu-img", "bash");
    }

    /** Two servers, the source with a volume "src" full of random data, the target empty but for its vol0. */
    private static final class Pair implements AutoCloseable {
        final ServerProcess source;
        final ServerProcess target;

        Pair(Path dir) throws Exception {
            source = new ServerProcess(dir.resolve("source")).start();
            target = new ServerProcess(dir.resolve("target")).start();
            source.cli("volume", "create", "src", "--size", SIZE).assertSuccess("create src");
            Path random = dir.resolve("random.img");
            byte[] bytes = new byte[(int) (64 * MIB)];
            new Random(7).nextBytes(bytes);
            java.util.Arrays.fill(bytes, (int) (16 * MIB), (int) (24 * MIB), (byte) 0); // zeros travel as records
            Files.write(random, bytes);
            ExternalTools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", random.toString(),
                    source.url("src")).assertSuccess("fill src");
        }

        /** Takes snapshot {@code name} of src and exports it whole to {@code file}. */
        Path exportedTo(String name, Path file) throws Exception {
            source.cli("snapshot", "create", "src", name).assertSuccess(name);
            source.cli("snapshot", "export", "src", name, "--output", file.toString()).assertSuccess("export " + name);
            return file;
        }

        /** `export ... | import ...` through a pipe, as over ssh. */
        ExternalTools.Result send(String exportArgs, String importArgs) throws Exception {
            String jar = "java -jar " + ServerProcess.jar();
            return ExternalTools.run(300, "bash", "-o", "pipefail", "-c", jar + " snapshot export " + exportArgs
                    + " --data-dir " + source.dataDir + " | " + jar + " snapshot import " + importArgs
                    + " --data-dir " + target.dataDir);
        }

        @Override
        public void close() {
            target.close();
            source.close();
        }
    }

    private static void assertSame(String expected, String actual) throws Exception {
        ExternalTools.Result compare = ExternalTools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw",
                expected, actual);
        assertEquals(0, compare.exitCode, expected + " vs " + actual + ":\n" + compare.output);
    }

    private static String snapshots(ServerProcess server, String volume) throws Exception {
        return server.cli("snapshot", "list", volume).assertSuccess("list").output;
    }

    @Test
    void aFullStreamThenTwoIncrementalsArriveIdentical(@TempDir Path dir) throws Exception {
        try (Pair pair = new Pair(dir)) {
            ServerProcess source = pair.source;
            ServerProcess target = pair.target;
            source.cli("snapshot", "create", "src", "s1").assertSuccess("s1");
            pair.send("src s1", "replica").assertSuccess("full stream");

            io(source.url("src"), "write -P 0x5a 1M 1M", "write -z 40M 2M", "flush");
            source.cli("snapshot", "create", "src", "s2").assertSuccess("s2");
            ExternalTools.Result diff = source.cli("snapshot", "diff", "src", "s1", "s2", "--json")
                    .assertSuccess("diff");
            assertTrue(diff.output.contains("\"changed_bytes\":" + 3 * MIB), diff.output);
            Path incremental = dir.resolve("s2.stream");
            source.cli("snapshot", "export", "src", "s2", "--since", "s1", "--output", incremental.toString())
                    .assertSuccess("export s2");
            long streamBytes = Files.size(incremental);
            assertTrue(streamBytes > MIB && streamBytes < MIB + 64 * 1024,
                    "1 MiB of data and 2 MiB of zeros changed; the stream has " + streamBytes + " bytes");
            target.cli("snapshot", "import", "replica", "--input", incremental.toString()).assertSuccess("import s2");

            Path s2AsSent = dir.resolve("s2.img");
            ExternalTools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", source.url("src", "s2"),
                    s2AsSent.toString()).assertSuccess("keep s2 as sent");
            io(source.url("src"), "write -P 0x6b 60M 4M", "flush");
            io(source.url("src", "s2"), "write -P 0x7c 8M 64k", "flush"); // the next stream's base, written to
            source.cli("snapshot", "create", "src", "s3").assertSuccess("s3");
            pair.send("src s3 --since s2", "replica").assertSuccess("second incremental");

            for (String snapshot : new String[] {"s1", "s3"}) {
                assertSame(source.url("src", snapshot), target.url("replica", snapshot));
            }
            assertSame(s2AsSent.toString(), target.url("replica", "s2"));
            assertSame(source.url("src", "s3"), target.url("replica"));
            String list = snapshots(target, "replica");
            assertTrue(list.contains("s1") && list.contains("s2") && list.contains("s3"), list);
        }
    }

    /**
     * `--input` from a pipe (a named pipe here; `--input <(ssh source snapshare snapshot export ...)` is
     * one too) whose bytes arrive in bursts: it was read through a channel that asked the pipe's position,
     * failed with "Illegal seek", and the import then waited for the rest of the stream for ever.
     */
    @Test
    void anImportReadsItsStreamFromAPipe(@TempDir Path dir) throws Exception {
        try (Pair pair = new Pair(dir)) {
            Path stream = pair.exportedTo("s1", dir.resolve("s1.stream"));
            Path pipe = dir.resolve("s1.pipe");
            ExternalTools.run(10, "mkfifo", pipe.toString()).assertSuccess("mkfifo");
            long half = Files.size(stream) / 2;
            Process feeder = new ProcessBuilder("bash", "-c", "{ head -c " + half + " " + stream + "; sleep 1; tail -c +"
                    + (half + 1) + " " + stream + "; } > " + pipe).start();
            ExternalTools.Result imported = pair.target.cli("snapshot", "import", "copy", "--input", pipe.toString());
            feeder.destroyForcibly();
            imported.assertSuccess("import from a pipe");
            assertSame(pair.source.url("src", "s1"), pair.target.url("copy", "s1"));
        }
    }

    @Test
    void aSnapshotExportedWhileItsOriginIsOverwrittenKeepsItsContent(@TempDir Path dir) throws Exception {
        try (Pair pair = new Pair(dir)) {
            pair.source.cli("snapshot", "create", "src", "s1").assertSuccess("s1");
            Path stream = dir.resolve("s1.stream");
            Path stop = dir.resolve("stop");
            // Whole-volume overwrites, one after another (at most 40), until the export has ended.
            Process writer = new ProcessBuilder("bash", "-c", "for i in $(seq 1 40); do [ -e " + stop + " ] && exit 0;"
                    + " qemu-io -f raw -c \"write -P $((i + 1)) 0 64M\" " + pair.source.url("src")
                    + " || exit 1; done").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("overwrite.log").toFile()).start();
            pair.source.cli("snapshot", "export", "src", "s1", "--output", stream.toString()).assertSuccess("export");
            assertTrue(writer.isAlive(), "the origin was overwritten all through the export: "
                    + Files.readString(dir.resolve("overwrite.log")));
            Files.createFile(stop);
            assertTrue(writer.waitFor(120, TimeUnit.SECONDS) && writer.exitValue() == 0,
                    "overwrite failed: " + Files.readString(dir.resolve("overwrite.log")));
            pair.target.cli("snapshot", "import", "copy", "--input", stream.toString()).assertSuccess("import");
            assertSame(pair.source.url("src", "s1"), pair.target.url("copy", "s1"));
            assertSame(pair.source.url("src", "s1"), pair.target.url("copy"));
        }
    }

    @Test
    void damagedTruncatedWrongBaseAndWrongSizeStreamsAreRefusedAndChangeNothing(@TempDir Path dir)
            throws Exception {
        try (Pair pair = new Pair(dir)) {
            ServerProcess source = pair.source;
            ServerProcess target = pair.target;
            source.cli("snapshot", "create", "src", "s1").assertSuccess("s1");
            pair.send("src s1", "replica").assertSuccess("full stream");
            io(source.url("src"), "write -P 0x42 0 8M", "flush");
            source.cli("snapshot", "create", "src", "s2").assertSuccess("s2");
            io(source.url("src"), "write -P 0x43 8M 8M", "flush");
            source.cli("snapshot", "create", "src", "s3").assertSuccess("s3");
            Path good = dir.resolve("s2.stream");
            source.cli("snapshot", "export", "src", "s2", "--since", "s1", "--output", good.toString())
                    .assertSuccess("export s2");
            String listBefore = snapshots(target, "replica");

            Path damaged = dir.resolve("damaged.stream");
            Files.copy(good, damaged);
            try (RandomAccessFile file = new RandomAccessFile(damaged.toFile(), "rw")) {
                file.seek(Files.size(good) / 2);
                int b = file.read();
                file.seek(Files.size(good) / 2);
                file.write(b ^ 0x10);
            }
            assertRefused(target, damaged, "damaged", listBefore);

            Path truncated = dir.resolve("truncated.stream");
            Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(good), (int) (Files.size(good) * 2 / 3)));
            assertRefused(target, truncated, "cut short", listBefore);

            Path wrongBase = dir.resolve("s3.stream");
            source.cli("snapshot", "export", "src", "s3", "--since", "s2", "--output", wrongBase.toString())
                    .assertSuccess("export s3 since s2");
            assertRefused(target, wrongBase, "no live snapshot with the identity of the stream's base s2", listBefore);

            assertSame(source.url("src", "s1"), target.url("replica")); // nothing of any of them was applied

            target.cli("volume", "resize", "replica", "--size", "128M").assertSuccess("resize the replica");
            assertRefused(target, good, "volume replica has 134217728", listBefore);
            assertSame(source.url("src", "s1"), target.url("replica", "s1"));
        }
    }

    /** The import fails naming {@code why}; the volume keeps its snapshots, and its origin still reads as s1. */
    private static void assertRefused(ServerProcess target, Path stream, String why, String listBefore)
            throws Exception {
        ExternalTools.Result result = target.cli("snapshot", "import", "replica", "--input", stream.toString());
        assertEquals(1, result.exitCode, result.output);
        assertTrue(result.output.contains(why), "expected '" + why + "' in:\n" + result.output);
        assertEquals(listBefore, snapshots(target, "replica"), "the snapshots are unchanged");
    }

    @Test
    void anInterruptedImportResumesWhereItStopped(@TempDir Path dir) throws Exception {
        try (Pair pair = new Pair(dir)) {
            Path whole = pair.exportedTo("s1", dir.resolve("s1.stream"));
            Path half = dir.resolve("half.stream");
            Files.write(half, java.util.Arrays.copyOf(Files.readAllBytes(whole), (int) (Files.size(whole) / 2)));
            // The sender stalls after half the stream, then goes away: `status` shows the import meanwhile.
            Process importing = new ProcessBuilder("bash", "-c", "(cat " + half + "; sleep 3) | java -jar "
                    + ServerProcess.jar() + " snapshot import copy --data-dir " + pair.target.dataDir)
                    .redirectErrorStream(true).start();
            String status = "";
            for (int poll = 0; poll < 100 && !status.contains("import of snapshot s1 (full): receiving"); poll++) {
                Thread.sleep(100);
                status = pair.target.cli("status").assertSuccess("status").output;
            }
            assertTrue(status.contains("volume copy: import of snapshot s1 (full): receiving"), status);
            assertTrue(importing.waitFor(60, TimeUnit.SECONDS), "the import ends with its input");
            ExternalTools.Result stopped = new ExternalTools.Result(importing.exitValue(),
                    new String(importing.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(1, stopped.exitCode, stopped.output);
            Matcher resume = Pattern.compile("--resume-from (\\d+)").matcher(stopped.output);
            assertTrue(resume.find(), stopped.output);
            long offset = Long.parseLong(resume.group(1));
            assertTrue(offset > 16 * MIB && offset < 48 * MIB, "stopped about half way: " + offset);
            assertFalse(pair.target.cli("volume", "list").output.contains("copy"), "nothing visible yet");

            Path rest = dir.resolve("rest.stream");
            pair.source.cli("snapshot", "export", "src", "s1", "--resume-from", Long.toString(offset),
                    "--output", rest.toString()).assertSuccess("export the rest");
            assertTrue(Files.size(rest) < Files.size(whole) * 3 / 4, "only the rest travels: " + Files.size(rest));
            pair.target.cli("snapshot", "import", "copy", "--resume", "--input", rest.toString())
                    .assertSuccess("resume");
            assertSame(pair.source.url("src", "s1"), pair.target.url("copy", "s1"));
            assertSame(pair.source.url("src", "s1"), pair.target.url("copy"));
        }
    }

    @Test
    void killDashNineDuringAnImportLeavesTheSnapshotWholeOrAbsent(@TempDir Path dir) throws Exception {
        try (Pair pair = new Pair(dir)) {
            ServerProcess source = pair.source;
            source.cli("snapshot", "create", "src", "s1").assertSuccess("s1");
            pair.send("src s1", "replica").assertSuccess("full stream");
            io(source.url("src"), "write -P 0x99 0 48M", "flush");
            source.cli("snapshot", "create", "src", "s2").assertSuccess("s2");
            Path stream = dir.resolve("s2.stream");
            source.cli("snapshot", "export", "src", "s2", "--since", "s1", "--output", stream.toString())
                    .assertSuccess("export s2");
            ServerProcess target = pair.target;
            for (long delayMillis : new long[] {150, 400, 900, 1600}) {
                Process importing = new ProcessBuilder("java", "-jar", ServerProcess.jar(), "snapshot", "import",
                        "replica", "--input", stream.toString(), "--data-dir", target.dataDir.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("import.log").toFile()).start();
                Thread.sleep(delayMillis);
                target.kill9();
                importing.waitFor(30, TimeUnit.SECONDS);
                target.start();
                String list = snapshots(target, "replica");
                System.out.printf("kill -9 %d ms into the import: s2 %s (import said: %s)%n", delayMillis,
                        list.contains("\ns2 ") ? "whole" : "absent",
                        Files.readString(dir.resolve("import.log")).strip());
                if (list.contains("\ns2 ")) {
                    assertSame(source.url("src", "s2"), target.url("replica", "s2"));
                    assertSame(source.url("src", "s2"), target.url("replica"));
                } else {
                    assertSame(source.url("src", "s1"), target.url("replica"));
                }
                assertSame(source.url("src", "s1"), target.url("replica", "s1"));
                assertEquals(143, target.stop());
                target.cli("check", "replica").assertSuccess("check after kill -9 at " + delayMillis + " ms");
                target.start();
                if (list.contains("\ns2 ")) {
                    break;
                }
            }
            // Whatever the kills left, the import completes afterwards (afresh, or it was done).
            ExternalTools.Result again = target.cli("snapshot", "import", "replica", "--input", stream.toString());
            assertTrue(again.exitCode == 0 || again.output.contains("imported before"), again.output);
            assertSame(source.url("src", "s2"), target.url("replica", "s2"));
        }
    }
}
