package org.snapshare.appliance;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.control.ControlResponse;
import org.snapshare.snapshot.SnapshotException;

/** Carries out the CLI's requests on the running appliance. */
final class ControlCommands {

    private static final Logger LOG = LoggerFactory.getLogger(ControlCommands.class);

    private final Appliance appliance;

    ControlCommands(Appliance appliance) {
        this.appliance = appliance;
    }

    ControlResponse handle(ControlExchange exchange) {
        List<String> request = exchange.request;
        String command = String.join(" ", request.subList(0, Math.min(2, request.size())));
        try {
            switch (command) {
                case "volume create":
                    expect(request, 8);
                    return ControlResponse.ok(appliance.createVolume(new VolumeSpec(request.get(2),
                            optionalSize(request.get(3)), optionalSize(request.get(4)), optionalSize(request.get(5)),
                            optionalPath(request.get(6)), optionalPath(request.get(7)))));
                case "volume list":
                    expect(request, 2);
                    return ControlResponse.ok(appliance.listVolumes());
                case "volume delete":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.deleteVolume(request.get(2), "force".equals(request.get(3))));
                case "volume resize":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.resizeVolume(request.get(2), Sizes.parse(request.get(3))));
                case "volume grow-store":
                    expect(request, 3);
                    return ControlResponse.ok(appliance.growStore(request.get(2)));
                case "snapshot create":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.createSnapshot(request.get(2), request.get(3)));
                case "snapshot list":
                    expect(request, 3);
                    return ControlResponse.ok(appliance.listSnapshots(request.get(2)));
                case "snapshot delete":
                    expect(request, 5);
                    return ControlResponse.ok(appliance.deleteSnapshot(request.get(2), request.get(3),
                            "force".equals(request.get(4))));
                case "snapshot rollback":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.rollback(request.get(2), request.get(3)));
                case "snapshot rollback-status":
                    expect(request, 3);
                    return ControlResponse.ok(appliance.rollbackStatus(request.get(2)));
                case "snapshot diff":
                    expect(request, 6);
                    return ControlResponse.ok(appliance.diff(request.get(2), request.get(3), request.get(4),
                            "json".equals(request.get(5))));
                case "snapshot export":
                    expect(request, 6);
                    try (OutputStream out = new BufferedOutputStream(new StreamOnFirstWrite(exchange), 1 << 16)) {
                        appliance.exportSnapshot(request.get(2), request.get(3), optional(request.get(4)),
                                Long.parseLong(request.get(5)), out);
                    }
                    return ControlResponse.ok("");
                case "snapshot import":
                    expect(request, 5);
                    return ControlResponse.ok(appliance.importSnapshot(request.get(2), exchange.body(),
                            "force".equals(request.get(3)), "resume".equals(request.get(4))));
                case "scrub start":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.startScrub(request.get(2), Sizes.parse(request.get(3))));
                case "scrub status":
                    expect(request, 3);
                    return ControlResponse.ok(appliance.scrubStatus(request.get(2)));
                case "snapshot hold":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.automation().holdSnapshot(request.get(2), request.get(3)));
                case "snapshot release":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.automation().releaseSnapshot(request.get(2), request.get(3)));
                case "schedule set":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.automation().setSchedule(request.get(2), request.get(3)));
                case "schedule clear":
                    expect(request, 3);
                    return ControlResponse.ok(appliance.automation().clearSchedule(request.get(2)));
                case "schedule list":
                    expect(request, 2);
                    return ControlResponse.ok(Reports.schedules(appliance.automation().scheduleSummaries()));
                case "replicate set":
                    expect(request, 7);
                    return ControlResponse.ok(appliance.automation().setReplication(request.get(2), ReplicationSettings.of(
                            request.get(3), Path.of(request.get(4)), optional(request.get(5)),
                            optional(request.get(6)))));
                case "replicate clear":
                    expect(request, 3);
                    return ControlResponse.ok(appliance.automation().clearReplication(request.get(2)));
                case "replicate list":
                    expect(request, 2);
                    return ControlResponse.ok(Reports.replications(appliance.automation().replicationSummaries()));
                case "token create":
                    expect(request, 4);
                    return ControlResponse.ok(appliance.apiAccess().createToken(request.get(2), ApiRole.parse(request.get(3))));
                case "token list":
                    expect(request, 2);
                    return ControlResponse.ok(appliance.apiAccess().listTokens());
                case "token revoke":
                    expect(request, 3);
                    return ControlResponse.ok(appliance.apiAccess().revokeToken(request.get(2)));
                case "status":
                    return ControlResponse.ok(appliance.status());
                default:
                    return ControlResponse.error("unknown control request '" + command + "'");
            }
        } catch (ConfigException | SnapshotException e) {
            return ControlResponse.error(e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.error("control request '{}' failed", command, e);
            return ControlResponse.error(command + " failed: " + e.getMessage() + " (details in the server log)");
        }
    }

    /**
     * The export's output: the STREAM answer starts with its first byte, so
     * a refusal before it (no such snapshot) is an ordinary error answer.
     */
    private static final class StreamOnFirstWrite extends OutputStream {

        private final ControlExchange exchange;

        StreamOnFirstWrite(ControlExchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void write(int b) throws IOException {
            exchange.openStream().write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            exchange.openStream().write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            if (exchange.streaming()) {
                exchange.openStream().flush();
            }
        }
    }

    private static Optional<String> optional(String value) {
        return value.equals("-") ? Optional.empty() : Optional.of(value);
    }

    /** "-" stands for an option the user left out. */
    private static long optionalSize(String value) throws ConfigException {
        return value.equals("-") ? 0 : Sizes.parse(value);
    }

    private static Path optionalPath(String value) {
        return value.equals("-") ? null : Path.of(value);
    }

    private static void expect(List<String> request, int size) throws ConfigException {
        if (request.size() != size) {
            throw new ConfigException("malformed control request " + request);
        }
    }
}
