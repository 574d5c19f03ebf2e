package org.snapshare.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.snapshare.appliance.ConfigException;
import org.snapshare.appliance.SchedulePolicy;
import org.snapshare.appliance.VolumeNames;

/** `snapshare schedule set|clear|list`: snapshots on a schedule, run by the server (docs/SCHEDULES.md). */
final class ScheduleCommands {

    private static final String USAGE = "usage: snapshare schedule set VOLUME \"every 1h keep 24; every 1d keep 7\""
            + " | clear VOLUME | list";

    private final Commands commands;

    ScheduleCommands(Commands commands) {
        this.commands = commands;
    }

    int run(String[] args, PrintStream out) throws UsageException, CommandFailedException {
        if (args.length == 0) {
            throw new UsageException("schedule needs a subcommand: set, clear or list");
        }
        if (args[0].equals("--help") || args[0].equals("-h")) {
            out.println(USAGE);
            return Main.OK;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        CommandLine line;
        switch (args[0]) {
            case "set":
                line = commands.parse("schedule set VOLUME POLICY", Commands.withCommon(new Options()), rest, 2);
                if (line == null) {
                    return Main.OK;
                }
                try {
                    VolumeNames.check(line.getArgs()[0]);
                    SchedulePolicy.parse(line.getArgs()[1]);
                } catch (ConfigException e) {
                    throw new UsageException(e.getMessage());
                }
                return commands.request(line, List.of("schedule", "set", line.getArgs()[0], line.getArgs()[1]));
            case "clear":
                line = commands.parse("schedule clear VOLUME", Commands.withCommon(new Options()), rest, 1);
                return line == null ? Main.OK
                        : commands.request(line, List.of("schedule", "clear", line.getArgs()[0]));
            case "list":
                line = commands.parse("schedule list", Commands.withCommon(new Options()), rest, 0);
                return line == null ? Main.OK : commands.request(line, List.of("schedule", "list"));
            default:
                throw new UsageException("unknown schedule subcommand '" + args[0] + "' (use set, clear or list)");
        }
    }
}
