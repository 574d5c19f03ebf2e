package org.snapshare.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.snapshare.Version;
import org.snapshare.api.ApiServer;
import org.snapshare.appliance.Appliance;
import org.snapshare.appliance.ApplianceConfig;
import org.snapshare.appliance.ConfigException;
import org.snapshare.appliance.Sizes;
import org.snapshare.appliance.VolumeCheck;
import org.snapshare.appliance.VolumeNames;
import org.snapshare.appliance.VolumeRepair;
import org.snapshare.control.ControlClient;
import org.snapshare.control.ControlRequest;
import org.snapshare.control.ControlResponse;

/** One method per command: parse its options, then act. */
final class Commands {

    /** A config file every command reads when --config is not given (the Debian launcher sets it). */
    static final String CONFIG_ENV = "SNAPSHARE_CONFIG";

    private final PrintStream out;

    /** Where results go: standard output, or a test's stream. */
    PrintStream out() {
        return out;
    }

    Commands(PrintStream out) {
        this.out = out;
    }

    int version() {
        out.println("snapshare " + Version.get());
        return Main.OK;
    }

    int help() {
        out.println(Overview.TEXT);
        return Main.OK;
    }

    int serve(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options())
                .addOption(Option.builder().longOpt("portal").hasArg().argName("HOST:PORT")
                        .desc("iSCSI portal to listen on (default 127.0.0.1:3260)").build())
                .addOption(Option.builder().longOpt("metrics").hasArg().argName("HOST:PORT")
                        .desc("serve Prometheus metrics at http://HOST:PORT/metrics (default: metrics-listen"
                                + " of the config; none)").build())
                .addOption(Option.builder().longOpt("api").hasArg().argName("HOST:PORT")
                        .desc("serve the HTTPS management API and console at https://HOST:PORT/ (default:"
                                + " api-listen of the config; none)").build());
        CommandLine line = parse("serve", options, args, 0);
        if (line == null) {
            return Main.OK;
        }
        try {
            ApplianceConfig config = config(line);
            if (line.hasOption("portal")) {
                config = config.with("portal", line.getOptionValue("portal"));
            }
            if (line.hasOption("metrics")) {
                config = config.with("metrics-listen", line.getOptionValue("metrics"));
            }
            if (line.hasOption("api")) {
                config = config.with("api-listen", line.getOptionValue("api"));
            }
            Appliance appliance = Appliance.start(config);
            ApiServer api;
            try {
                api = config.apiListen().isEmpty() ? null
                        : ApiServer.start(appliance, config.apiListen().get(), appliance.apiAccess().certificate().orElseThrow());
            } catch (IOException | RuntimeException e) {
                appliance.close();
                throw e;
            }
            runUntilStopped(appliance, api);
            return Main.OK;
        } catch (ConfigException | IOException e) {
            throw new CommandFailedException(e.getMessage());
        }
    }

    private static void runUntilStopped(Appliance appliance, ApiServer api) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (api != null) {
                    api.close();
                }
                appliance.close();
            } catch (IOException e) {
                System.err.println("snapshare: error during shutdown: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int volume(String[] args) throws UsageException, CommandFailedException {
        return new SubcommandGroup(this, "volume", Map.of("grow-store", "NAME")) {
            @Override
            int dispatch(String verb, String[] rest) throws UsageException, CommandFailedException {
                switch (verb) {
                    case "create":
                        return volumeCreate(rest);
                    case "clone":
                        return volumeClone(rest);
                    case "list":
                        return simpleRequest("volume list", rest, ControlRequest.of("volume", "list"));
                    case "delete":
                        return volumeDelete(rest);
                    case "resize":
                        return volumeResize(rest);
                    default:
                        throw unknown(verb);
                }
            }
        }.run(args, out);
    }

    private int volumeCreate(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options())
                .addOption(Option.builder().longOpt("size").hasArg().argName("SIZE")
                        .desc("volume size, e.g. 10G (units K, M, G, T: powers of 1024)").build())
                .addOption(Option.builder().longOpt("store-size").hasArg().argName("SIZE")
                        .desc("size of its exception store, shared by all its snapshots (default: the volume size"
                                + " + 1/16 + 4M, one full copy; sparse)").build())
                .addOption(Option.builder().longOpt("store-max-size").hasArg().argName("SIZE")
                        .desc("the most its store file may grow to as snapshots diverge (default: store-max-size of"
                                + " the config; none: it grows while the file system keeps 5% free)").build())
                .addOption(Option.builder().longOpt("origin-device").hasArg().argName("PATH")
                        .desc("serve this block device (or file) as the origin, with its contents; it sets the"
                                + " size").build())
                .addOption(Option.builder().longOpt("store-device").hasArg().argName("PATH")
                        .desc("keep the exception store on this block device (or file); it is FORMATTED").build());
        CommandLine line = parse("volume create NAME", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        String name = line.getArgs()[0];
        if (!line.hasOption("size") && !line.hasOption("origin-device")) {
            throw new UsageException("volume create needs --size SIZE, e.g. --size 10G (or --origin-device PATH)");
        }
        try {
            VolumeNames.check(name);
            return request(line, ControlRequest.of("volume", "create", name)
                    .with("size", sizeOption(line, "size")).with("store-size", sizeOption(line, "store-size"))
                    .with("store-max-size", sizeOption(line, "store-max-size"))
                    .with("origin-device", deviceOption(line, "origin-device"))
                    .with("store-device", deviceOption(line, "store-device")));
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private int volumeClone(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options()).addOption(Option.builder().longOpt("from").hasArg()
                .argName("VOLUME@SNAPSHOT").desc("what the new volume starts as: a snapshot, at any depth (or a"
                        + " VOLUME alone: its origin now)").build());
        CommandLine line = parse("volume clone NAME --from VOLUME@SNAPSHOT", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        if (!line.hasOption("from")) {
            throw new UsageException("volume clone needs --from VOLUME@SNAPSHOT, e.g. --from golden@base");
        }
        return request(line, ControlRequest.of("volume", "clone", checkedNames(line).get(0))
                .with("from", Optional.of(line.getOptionValue("from"))));
    }

    /** The option's size in bytes, if it is given (checked here: a typo is a usage error). */
    private static Optional<String> sizeOption(CommandLine line, String option) throws ConfigException {
        return line.hasOption(option) ? Optional.of(Long.toString(Sizes.parse(line.getOptionValue(option))))
                : Optional.empty();
    }

    /** The option's absolute path (the server may run elsewhere), if it is given. */
    private static Optional<String> deviceOption(CommandLine line, String option) {
        return Optional.ofNullable(line.getOptionValue(option)).map(path -> Path.of(path).toAbsolutePath().toString());
    }

    private int volumeDelete(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options())
                .addOption(Option.builder().longOpt("force").desc("disconnect sessions using the volume").build());
        CommandLine line = parse("volume delete NAME", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        return request(line, ControlRequest.of("volume", "delete", line.getArgs()[0])
                .withFlag("force", line.hasOption("force")));
    }

    private int volumeResize(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options()).addOption(Option.builder().longOpt("size").hasArg()
                .argName("SIZE").desc("the new size, larger than now, e.g. 20G (shrinking is refused)").build());
        CommandLine line = parse("volume resize NAME --size SIZE", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        if (!line.hasOption("size")) {
            throw new UsageException("volume resize needs --size SIZE, e.g. --size 20G");
        }
        try {
            return request(line, ControlRequest.of("volume", "resize", checkedNames(line).get(0))
                    .with("size", sizeOption(line, "size")));
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
    }

    int snapshot(String[] args) throws UsageException, CommandFailedException {
        return new SubcommandGroup(this, "snapshot", Map.of()) {
            @Override
            int dispatch(String verb, String[] rest) throws UsageException, CommandFailedException {
                switch (verb) {
                    case "create":
                        return snapshotCreate(rest);
                    case "hold":
                    case "release":
                        return snapshotRequest("snapshot " + verb + " VOLUME NAME", rest, 2, verb);
                    case "list":
                        return snapshotList(rest);
                    case "delete":
                    case "reset":
                        return snapshotDelete(verb, rest);
                    case "rollback":
                        return snapshotRollback(rest);
                    case "diff":
                        return snapshotDiff(rest);
                    case "export":
                        return new StreamCommands(Commands.this).export(rest);
                    case "import":
                        return new StreamCommands(Commands.this).receive(rest);
                    default:
                        throw unknown(verb);
                }
            }
        }.run(args, out);
    }

    private int snapshotRequest(String usage, String[] args, int positional, String verb)
            throws UsageException, CommandFailedException {
        CommandLine line = parse(usage, withCommon(new Options()), args, positional);
        if (line == null) {
            return Main.OK;
        }
        List<String> request = new ArrayList<>(List.of("snapshot", verb));
        request.addAll(checkedNames(line));
        return request(line, ControlRequest.of(request));
    }

    private int snapshotList(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options()).addOption(Option.builder().longOpt("json")
                .desc("print the snapshots as JSON, as the API shows them (each with its parent)").build());
        CommandLine line = parse("snapshot list VOLUME", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        List<String> request = new ArrayList<>(List.of("snapshot", "list"));
        request.addAll(checkedNames(line));
        return request(line, ControlRequest.of(request).withFlag("json", line.hasOption("json")));
    }

    private int snapshotCreate(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options()).addOption(Option.builder().longOpt("from").hasArg()
                .argName("SNAP").desc("take it of this snapshot (at any depth) instead of the origin").build());
        CommandLine line = parse("snapshot create VOLUME NAME", options, args, 2);
        if (line == null) {
            return Main.OK;
        }
        List<String> request = new ArrayList<>(List.of("snapshot", "create"));
        request.addAll(checkedNames(line));
        Optional<String> from = Optional.ofNullable(line.getOptionValue("from"));
        try {
            if (from.isPresent()) {
                VolumeNames.checkSnapshot(from.get());
            }
        } catch (ConfigException e) {
            throw new UsageException("--from: " + e.getMessage());
        }
        return request(line, ControlRequest.of(request).with("from", from));
    }

    /** snapshot delete and snapshot reset: both end the snapshot's point in time, so both mind its sessions. */
    private int snapshotDelete(String verb, String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options())
                .addOption(Option.builder().longOpt("force").desc("disconnect sessions using the snapshot").build());
        CommandLine line = parse("snapshot " + verb + " VOLUME NAME", options, args, 2);
        if (line == null) {
            return Main.OK;
        }
        List<String> request = new ArrayList<>(List.of("snapshot", verb));
        request.addAll(checkedNames(line));
        return request(line, ControlRequest.of(request).withFlag("force", line.hasOption("force")));
    }

    private int snapshotRollback(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options()).addOption(Option.builder().longOpt("no-wait")
                .desc("return once the rollback has started; `snapshare status` shows its progress").build());
        CommandLine line = parse("snapshot rollback VOLUME NAME", options, args, 2);
        if (line == null) {
            return Main.OK;
        }
        List<String> names = checkedNames(line);
        List<String> request = new ArrayList<>(List.of("snapshot", "rollback"));
        request.addAll(names);
        request(line, ControlRequest.of(request));
        if (line.hasOption("no-wait")) {
            return Main.OK;
        }
        new ProgressWatch(out, progressStream(), "rollback").await(() -> requestText(line,
                ControlRequest.of("snapshot", "rollback-status", names.get(0))), "idle"::equals);
        out.println("rollback finished");
        return Main.OK;
    }

    private int snapshotDiff(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options())
                .addOption(Option.builder().longOpt("json").desc("print the runs as JSON").build());
        CommandLine line = parse("snapshot diff VOLUME FROM TO", options, args, 3);
        if (line == null) {
            return Main.OK;
        }
        String[] names = line.getArgs();
        try {
            VolumeNames.check(names[0]);
            VolumeNames.checkSnapshot(names[1]);
            if (!names[2].equals("origin")) {
                VolumeNames.checkSnapshot(names[2]);
            }
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
        return request(line, ControlRequest.of("snapshot", "diff", names[0], names[1], names[2])
                .withFlag("json", line.hasOption("json")));
    }

    int scrub(String[] args) throws UsageException, CommandFailedException {
        Options options = withCommon(new Options())
                .addOption(Option.builder().longOpt("rate").hasArg().argName("SIZE")
                        .desc("read at most this much a second, e.g. 200M (default " + Appliance.DEFAULT_SCRUB_RATE
                                + ")").build())
                .addOption(Option.builder().longOpt("no-wait")
                        .desc("return once the scrub has started; `snapshare status` shows its progress").build())
                .addOption(Option.builder().longOpt("status")
                        .desc("show how far the running (or the last) scrub is, start nothing").build());
        CommandLine line = parse("scrub VOLUME", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        String volume = checkedNames(line).get(0);
        ControlRequest status = ControlRequest.of("scrub", "status", volume);
        if (line.hasOption("status")) {
            return request(line, status);
        }
        String rate;
        try {
            rate = Long.toString(Sizes.parse(line.getOptionValue("rate", Appliance.DEFAULT_SCRUB_RATE)));
        } catch (ConfigException e) {
            throw new UsageException("--rate: " + e.getMessage());
        }
        request(line, ControlRequest.of("scrub", "start", volume).with("rate", Optional.of(rate)));
        if (line.hasOption("no-wait")) {
            return Main.OK;
        }
        String result = new ProgressWatch(out, progressStream(), "scrub").await(() -> requestText(line, status),
                text -> text.startsWith("scrub finished"));
        out.println(result);
        return result.contains("nothing damaged") ? Main.OK : Main.FAILED;
    }

    /** A volume name, then snapshot names, from the command line; refused here if malformed. */
    static List<String> checkedNames(CommandLine line) throws UsageException {
        try {
            String[] names = line.getArgs();
            for (int i = 0; i < names.length; i++) {
                if (i == 0) {
                    VolumeNames.check(names[i]);
                } else {
                    VolumeNames.checkSnapshot(names[i]);
                }
            }
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
        return List.of(line.getArgs());
    }

    /** Progress goes to a terminal only; logs and pipes get the result alone. */
    static PrintStream progressStream() {
        return System.console() != null ? System.err : new PrintStream(OutputStream.nullOutputStream());
    }

    int check(String[] args) throws UsageException, CommandFailedException {
        CommandLine line = parse("check VOLUME", withCommon(new Options()), args, 1);
        if (line == null) {
            return Main.OK;
        }
        try {
            boolean clean = VolumeCheck.run(config(line), line.getArgs()[0], out, progressStream());
            return clean ? Main.OK : Main.FAILED;
        } catch (ConfigException | IOException e) {
            throw new CommandFailedException(e.getMessage());
        }
    }

    int repair(String[] args) throws UsageException, CommandFailedException {
        CommandLine line = parse("repair VOLUME", withCommon(new Options()), args, 1);
        if (line == null) {
            return Main.OK;
        }
        try {
            boolean clean = VolumeRepair.run(config(line), line.getArgs()[0], out, progressStream());
            return clean ? Main.OK : Main.FAILED;
        } catch (ConfigException | IOException e) {
            throw new CommandFailedException(e.getMessage());
        }
    }

    int status(String[] args) throws UsageException, CommandFailedException {
        return simpleRequest("status", args, ControlRequest.of("status"));
    }

    private int simpleRequest(String usage, String[] args, ControlRequest request)
            throws UsageException, CommandFailedException {
        CommandLine line = parse(usage, withCommon(new Options()), args, 0);
        return line == null ? Main.OK : request(line, request);
    }

    int request(CommandLine line, ControlRequest request) throws CommandFailedException {
        out.print(requestText(line, request));
        return Main.OK;
    }

    /** Sends one control request; its answer, or the server's error as a failure. */
    private String requestText(CommandLine line, ControlRequest request) throws CommandFailedException {
        return exchange(line, request, null, OutputStream.nullOutputStream());
    }

    /** A request that may send a stream ({@code body}, null for none) or receive one ({@code sink}). */
    String exchange(CommandLine line, ControlRequest request, InputStream body, OutputStream sink)
            throws CommandFailedException {
        ControlResponse response;
        try {
            ApplianceConfig config = config(line);
            response = new ControlClient(config.dataDir(), config.controlSocket()).exchange(request.encode(), body,
                    sink);
        } catch (ConfigException | IOException e) {
            throw new CommandFailedException(e.getMessage());
        }
        if (!response.ok) {
            throw new CommandFailedException(response.text.strip());
        }
        return response.text;
    }

    /** Built-in defaults, then --config or $SNAPSHARE_CONFIG, then --data-dir. */
    private static ApplianceConfig config(CommandLine line) throws ConfigException {
        ApplianceConfig config = ApplianceConfig.defaults();
        String file = line.getOptionValue("config", System.getenv(CONFIG_ENV));
        if (file != null) {
            config = config.withFile(Path.of(file));
        }
        if (line.hasOption("data-dir")) {
            config = config.with("data-dir", line.getOptionValue("data-dir"));
        }
        return config;
    }

    static Options withCommon(Options options) {
        return options
                .addOption(Option.builder().longOpt("data-dir").hasArg().argName("DIR")
                        .desc("data directory (default: from the config, else ./snapshare-data)").build())
                .addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
                        .desc("config file laid over the built-in defaults (default $" + CONFIG_ENV + ")").build())
                .addOption(Option.builder("h").longOpt("help").desc("show this help").build());
    }

    /** Parses options; null when --help was printed. Exactly {@code positional} plain arguments are required. */
    CommandLine parse(String usage, Options options, String[] args, int positional) throws UsageException {
        CommandLine line;
        try {
            line = new DefaultParser().parse(options, args);
        } catch (ParseException e) {
            throw new UsageException(usage.split(" ")[0] + ": " + e.getMessage());
        }
        if (line.hasOption("help")) {
            PrintWriter writer = new PrintWriter(out);
            new HelpFormatter().printHelp(writer, 100, "snapshare " + usage + " [options]", null, options, 2, 2, null);
            writer.flush();
            return null;
        }
        List<String> plain = new ArrayList<>(line.getArgList());
        if (plain.size() != positional) {
            throw new UsageException("snapshare " + usage + " takes " + (positional == 0 ? "no" : positional)
                    + " argument(s), got " + (plain.isEmpty() ? "none" : plain));
        }
        return line;
    }
}
