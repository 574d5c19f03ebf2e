package org.snapshare.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.snapshare.appliance.ConfigException;
import org.snapshare.appliance.VolumeNames;
import org.snapshare.control.ControlRequest;

/** `snapshare snapshot export|import`: a snapshot as a stream, out to a file or pipe and back in (docs/STREAM.md). */
final class StreamCommands {

    private final Commands commands;

    StreamCommands(Commands commands) {
        this.commands = commands;
    }

    int export(String[] args) throws UsageException, CommandFailedException {
        Options options = Commands.withCommon(new Options())
                .addOption(Option.builder().longOpt("since").hasArg().argName("BASE")
                        .desc("only what changed since snapshot BASE (an incremental stream)").build())
                .addOption(Option.builder().longOpt("output").hasArg().argName("FILE")
                        .desc("write the stream to FILE (default: standard output, for a pipe)").build())
                .addOption(Option.builder().longOpt("resume-from").hasArg().argName("OFFSET")
                        .desc("continue an interrupted import: the offset its error named").build());
        CommandLine line = commands.parse("snapshot export VOLUME SNAPSHOT", options, args, 2);
        if (line == null) {
            return Main.OK;
        }
        List<String> names = Commands.checkedNames(line);
        Optional<String> base = Optional.ofNullable(line.getOptionValue("since"));
        long resumeFrom;
        try {
            if (base.isPresent()) {
                VolumeNames.checkSnapshot(base.get());
            }
            resumeFrom = Long.parseLong(line.getOptionValue("resume-from", "0"));
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        } catch (NumberFormatException e) {
            throw new UsageException("--resume-from takes a byte offset, e.g. 1048576");
        }
        if (resumeFrom < 0) {
            throw new UsageException("--resume-from takes a byte offset of 0 or more");
        }
        if (!line.hasOption("output") && System.console() != null) {
            throw new UsageException("snapshot export writes a binary stream: give --output FILE, or pipe it"
                    + " (| snapshare snapshot import ...)");
        }
        ControlRequest request = ControlRequest.of("snapshot", "export", names.get(0), names.get(1))
                .with("since", base).with("resume-from", Optional.of(Long.toString(resumeFrom)));
        TransferMeter meter = new TransferMeter(Commands.progressStream(), "exported");
        Path output = line.hasOption("output") ? Path.of(line.getOptionValue("output")) : null;
        boolean done = false;
        try (OutputStream file = output != null ? Files.newOutputStream(output) : null) {
            OutputStream sink = new BufferedOutputStream(meter.counting(file != null ? file : commands.out()),
                    1 << 16);
            commands.exchange(line, request, null, sink);
            sink.flush();
            if (file == null && commands.out().checkError()) {
                throw new IOException("standard output was closed (the reading end of the pipe stopped)");
            }
            done = true;
        } catch (IOException e) {
            throw new CommandFailedException("cannot write the stream: " + e.getMessage());
        } finally {
            if (!done && output != null) {
                deleteQuietly(output); // half a stream is of no use, and could be mistaken for a whole one
            }
        }
        meter.done();
        return Main.OK;
    }

    /** snapshot import ("import" is a Java word). */
    int receive(String[] args) throws UsageException, CommandFailedException {
        Options options = Commands.withCommon(new Options())
                .addOption(Option.builder().longOpt("input").hasArg().argName("FILE")
                        .desc("read the stream from FILE (default: standard input)").build())
                .addOption(Option.builder().longOpt("force").desc("roll the origin back to the stream's base"
                        + " first, losing what was written to it since").build())
                .addOption(Option.builder().longOpt("resume")
                        .desc("continue an interrupted import with a stream exported --resume-from its offset")
                        .build());
        CommandLine line = commands.parse("snapshot import VOLUME", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        ControlRequest request = ControlRequest.of("snapshot", "import", Commands.checkedNames(line).get(0))
                .withFlag("force", line.hasOption("force")).withFlag("resume", line.hasOption("resume"));
        TransferMeter meter = new TransferMeter(Commands.progressStream(), "imported");
        // FileInputStream, not Files.newInputStream: on a pipe the latter's channel asks for a position and fails.
        try (InputStream file = line.hasOption("input") ? new FileInputStream(line.getOptionValue("input")) : null) {
            InputStream body = new BufferedInputStream(meter.counting(file != null ? file : System.in), 1 << 16);
            String result = commands.exchange(line, request, body, OutputStream.nullOutputStream());
            meter.done();
            commands.out().print(result);
        } catch (IOException e) {
            throw new CommandFailedException("cannot read the stream: " + e.getMessage());
        }
        return Main.OK;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.err.println("snapshare: could not remove the incomplete " + file + ": " + e.getMessage());
        }
    }
}
