package org.snapshare.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.snapshare.appliance.ConfigException;
import org.snapshare.control.ControlRequest;
import org.snapshare.appliance.ReplicationSettings;
import org.snapshare.appliance.VolumeNames;

/** `snapshare replicate set|clear|list`: scheduled snapshots sent to another snapshare (docs/SCHEDULES.md). */
final class ReplicateCommands extends SubcommandGroup {

    ReplicateCommands(Commands commands) {
        super(commands, "replicate", Map.of("clear", "VOLUME", "list", ""));
    }

    @Override
    int dispatch(String verb, String[] rest) throws UsageException, CommandFailedException {
        if (!verb.equals("set")) {
            throw unknown(verb);
        }
        return set(rest);
    }

    private int set(String[] args) throws UsageException, CommandFailedException {
        Options options = Commands.withCommon(new Options())
                .addOption(Option.builder().longOpt("to").hasArg().argName("URL")
                        .desc("the other snapshare's API, https://HOST:PORT").build())
                .addOption(Option.builder().longOpt("token-file").hasArg().argName("FILE")
                        .desc("a file holding an admin token of the other server (read at every send)").build())
                .addOption(Option.builder().longOpt("fingerprint").hasArg().argName("SHA256")
                        .desc("pin its certificate: the fingerprint its `token create` printed").build())
                .addOption(Option.builder().longOpt("keep").hasArg().argName("POLICY")
                        .desc("retention there, e.g. \"every 1d keep 30\" (default: keep everything)").build());
        CommandLine line = commands.parse("replicate set VOLUME", options, args, 1);
        if (line == null) {
            return Main.OK;
        }
        if (!line.hasOption("to") || !line.hasOption("token-file")) {
            throw new UsageException("replicate set needs --to https://HOST:PORT and --token-file FILE");
        }
        Path tokenFile = Path.of(line.getOptionValue("token-file")).toAbsolutePath();
        if (!Files.isReadable(tokenFile)) {
            throw new UsageException("--token-file " + tokenFile + " cannot be read");
        }
        try {
            VolumeNames.check(line.getArgs()[0]);
            ReplicationSettings.of(line.getOptionValue("to"), tokenFile,
                    Optional.ofNullable(line.getOptionValue("fingerprint")),
                    Optional.ofNullable(line.getOptionValue("keep")));
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
        return commands.request(line, ControlRequest.of("replicate", "set", line.getArgs()[0])
                .with("to", Optional.of(line.getOptionValue("to")))
                .with("token-file", Optional.of(tokenFile.toString()))
                .with("fingerprint", Optional.ofNullable(line.getOptionValue("fingerprint")))
                .with("keep", Optional.ofNullable(line.getOptionValue("keep"))));
    }
}
