package org.snapshare.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.snapshare.control.ControlRequest;

/**
 * A command with subcommands that each send one control request (token,
 * schedule, replicate): the usage, the subcommand's dispatch, and the
 * plain ones that take only names.
 */
abstract class SubcommandGroup {

    protected final Commands commands;
    private final String name;
    private final String usage;
    private final String subcommands;
    /** The subcommands that take only names, with their usage (e.g. "VOLUME"; "" for none). */
    private final Map<String, String> plain;

    /** The group {@code name} of the CommandTable; its usage and subcommands come from there. */
    SubcommandGroup(Commands commands, String name, Map<String, String> plain) {
        this.commands = commands;
        this.name = name;
        this.usage = CommandTable.usage(name);
        this.subcommands = CommandTable.verbs(name);
        this.plain = plain;
    }

    final int run(String[] args, PrintStream out) throws UsageException, CommandFailedException {
        if (args.length == 0) {
            throw new UsageException(name + " needs a subcommand: " + subcommands);
        }
        if (args[0].equals("--help") || args[0].equals("-h")) {
            out.println(usage);
            return Main.OK;
        }
        String verb = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (plain.containsKey(verb)) {
            String names = plain.get(verb);
            return plain(verb, names, rest, names.isEmpty() ? 0 : names.split(" ").length);
        }
        return dispatch(verb, rest);
    }

    /** Runs subcommand {@code verb} (one with options) with the arguments after it. */
    abstract int dispatch(String verb, String[] rest) throws UsageException, CommandFailedException;

    final UsageException unknown(String verb) {
        return new UsageException("unknown " + name + " subcommand '" + verb + "' (use " + subcommands + ")");
    }

    /** A subcommand with {@code positional} names and no options: the request is NAME VERB and the names. */
    private int plain(String verb, String argsUsage, String[] rest, int positional)
            throws UsageException, CommandFailedException {
        CommandLine line = commands.parse(name + " " + verb + (argsUsage.isEmpty() ? "" : " " + argsUsage),
                Commands.withCommon(new Options()), rest, positional);
        if (line == null) {
            return Main.OK;
        }
        List<String> request = new ArrayList<>(List.of(name, verb));
        request.addAll(line.getArgList());
        return commands.request(line, ControlRequest.of(request));
    }
}
