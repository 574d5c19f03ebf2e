package org.snapshare.cli;

import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.snapshare.appliance.ConfigException;
import org.snapshare.appliance.SchedulePolicy;
import org.snapshare.appliance.VolumeNames;

/** `snapshare schedule set|clear|list`: snapshots on a schedule, run by the server (docs/SCHEDULES.md). */
final class ScheduleCommands extends SubcommandGroup {

    ScheduleCommands(Commands commands) {
        super(commands, "schedule", "usage: snapshare schedule set VOLUME \"every 1h keep 24; every 1d keep 7\""
                + " | clear VOLUME | list", "set, clear or list");
    }

    @Override
    int dispatch(String verb, String[] rest) throws UsageException, CommandFailedException {
        switch (verb) {
            case "set":
                return set(rest);
            case "clear":
                return plain("clear", "VOLUME", rest, 1);
            case "list":
                return plain("list", "", rest, 0);
            default:
                throw unknown(verb);
        }
    }

    /** The policy is checked here too, so a typo is a usage error before anything is sent. */
    private int set(String[] rest) throws UsageException, CommandFailedException {
        CommandLine line = commands.parse("schedule set VOLUME POLICY", Commands.withCommon(new Options()), rest, 2);
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
    }
}
