package org.snapshare.cli;

import java.util.Map;
import java.util.Optional;
import org.snapshare.control.ControlRequest;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** `snapshare token create|list|revoke`: the API's tokens, kept by the running server (docs/API.md). */
final class TokenCommands extends SubcommandGroup {

    TokenCommands(Commands commands) {
        super(commands, "token", Map.of("list", "", "revoke", "NAME"));
    }

    @Override
    int dispatch(String verb, String[] rest) throws UsageException, CommandFailedException {
        if (!verb.equals("create")) {
            throw unknown(verb);
        }
        return create(rest);
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
        return commands.request(line, ControlRequest.of("token", "create", line.getArgs()[0])
                .with("role", Optional.of(line.getOptionValue("role"))));
    }
}
