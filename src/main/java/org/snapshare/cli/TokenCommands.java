package org.snapshare.cli;

import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** `snapshare token create|list|revoke`: the API's tokens, kept by the running server (docs/API.md). */
final class TokenCommands {

    private static final String USAGE = "usage: snapshare token create NAME --role admin|operator|viewer | list"
            + " | revoke NAME";

    private final Commands commands;

    TokenCommands(Commands commands) {
        this.commands = commands;
    }

    int run(String[] args, java.io.PrintStream out) throws UsageException, CommandFailedException {
        if (args.length == 0) {
            throw new UsageException("token needs a subcommand: create, list or revoke");
        }
        if (args[0].equals("--help") || args[0].equals("-h")) {
            out.println(USAGE);
            return Main.OK;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "create":
                return create(rest);
            case "list":
                return plain("token list", rest, 0, List.of("token", "list"));
            case "revoke":
                CommandLine line = commands.parse("token revoke NAME", Commands.withCommon(new Options()), rest, 1);
                return line == null ? Main.OK : commands.request(line, List.of("token", "revoke", line.getArgs()[0]));
            default:
                throw new UsageException("unknown token subcommand '" + args[0] + "' (use create, list or revoke)");
        }
    }

    /** Prints the token alone on the first line (scripts take it with head -1), then how to use it. */
    private int create(String[] args) throws UsageException, CommandFailedException {
        Options options = Commands.withCommon(new Options()).addOption(Option.builder().longOpt("role").hasArg()
                .argName("ROLE").desc("admin (everything), operator (snapshots only) or viewer (read only)").build());
        CommandLine line = commands.parse("token create NAME --role ROLE", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        if (!line.hasOption("role")) {
            throw new UsageException("token create needs --role admin, operator or viewer");
        }
        return commands.request(line, List.of("token", "create", line.getArgs()[0], line.getOptionValue("role")));
    }

    private int plain(String usage, String[] args, int positional, List<String> request)
            throws UsageException, CommandFailedException {
        CommandLine line = commands.parse(usage, Commands.withCommon(new Options()), args, positional);
        return line == null ? Main.OK : commands.request(line, request);
    }
}
