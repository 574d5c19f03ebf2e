package org.snapshare.cli;

import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.snapshare.appliance.ConfigException;
import org.snapshare.control.ControlRequest;
import org.snapshare.appliance.SchedulePolicy;
import org.snapshare.appliance.VolumeNames;

/** `snapshare schedule set|clear|list`: snapshots on a schedule, run by the server (docs/SCHEDULES.md). */
final class ScheduleCommands extends SubcommandGroup {

    ScheduleCommands(Commands commands) {
        super(commands, "schedule", Map.of("clear", "VOLUME", "list", ""));
    }

    @Override
    int dispatch(String verb, String[] rest) throws UsageException, CommandFailedException {
        if (!verb.equals("set")) {
            throw unknown(verb);
        }
        return set(rest);
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
        return commands.request(line, ControlRequest.of("schedule", "set", line.getArgs()[0], line.getArgs()[1]));
    }
}
