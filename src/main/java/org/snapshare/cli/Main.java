package org.snapshare.cli;

import java.io.PrintStream;
import java.util.Arrays;
import org.snapshare.appliance.Advice;

/**
 * Entry point of the {@code snapshare} command. Exit status: 0 success,
 * 1 the operation failed (or check found problems), 2 the command line is wrong.
 */
public final class Main {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        // jSCSI-era jars and others ship logback-test.xml; pin ours unless the user chose one.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "org/snapshare/appliance/logback.xml");
        }
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Advice.install(); // the lower layers' remedies in the CLI's words
        Commands commands = new Commands(out);
        try {
            if (args.length == 0) {
                throw new UsageException("no command given");
            }
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            switch (args[0]) {
                case "--version":
                case "-V":
                    return commands.version();
                case "--help":
                case "-h":
                case "help":
                    return commands.help();
                case "serve":
                    return commands.serve(rest);
                case "volume":
                    return commands.volume(rest);
                case "snapshot":
                    return commands.snapshot(rest);
                case "status":
                    return commands.status(rest);
                case "check":
                    return commands.check(rest);
                case "repair":
                    return commands.repair(rest);
                case "scrub":
                    return commands.scrub(rest);
                case "schedule":
                    return new ScheduleCommands(commands).run(rest, out);
                case "replicate":
                    return new ReplicateCommands(commands).run(rest, out);
                case "token":
                    return new TokenCommands(commands).run(rest, out);
                default:
                    throw new UsageException("unknown command '" + args[0] + "'");
            }
        } catch (UsageException e) {
            err.println("snapshare: " + e.getMessage());
            err.println("Run 'snapshare --help' for usage.");
            return USAGE;
        } catch (CommandFailedException e) {
            err.println("snapshare: error: " + e.getMessage());
            return FAILED;
        }
    }
}
