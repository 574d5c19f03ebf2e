package org.snapshare.appliance;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.control.ControlRequest;
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
        String command = "";
        try {
            ControlRequest request = ControlRequest.decode(exchange.request);
            command = request.command();
            return ControlResponse.ok(answer(request, exchange));
        } catch (IllegalArgumentException e) {
            return ControlResponse.error("malformed control request: " + e.getMessage()
                    + " (are the CLI and the server of the same release?)");
        } catch (ConfigException | SnapshotException e) {
            return ControlResponse.error(e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.error("control request '{}' failed", command, e);
            return ControlResponse.error(command + " failed: " + e.getMessage() + " (details in the server log)");
        }
    }

    /** Carries out one request; the text the CLI prints. */
    private String answer(ControlRequest request, ControlExchange exchange)
            throws ConfigException, SnapshotException, IOException {
        List<String> names;
        switch (request.command()) {
            case "volume create":
                names = request.names(1);
                return ControlReplies.created(appliance.createVolume(new VolumeSpec(names.get(0),
                        size(request, "size"), size(request, "store-size"), size(request, "store-max-size"),
                        request.option("origin-device").map(Path::of).orElse(null),
                        request.option("store-device").map(Path::of).orElse(null))));
            case "volume clone":
                return ControlReplies.cloned(appliance.cloneVolume(request.names(1).get(0),
                        request.option("from").orElseThrow(() -> new IllegalArgumentException("no source (from)"))));
            case "volume list":
                request.names(0);
                return appliance.listVolumes();
            case "volume delete":
                names = request.names(1);
                appliance.deleteVolume(names.get(0), request.flag("force"));
                return ControlReplies.volumeDeleted(names.get(0));
            case "volume resize":
                return ControlReplies.resized(appliance.resizeVolume(request.names(1).get(0), size(request, "size")));
            case "volume grow-store":
                return ControlReplies.grown(appliance.growStore(request.names(1).get(0)));
            case "snapshot create":
                names = request.names(2);
                return ControlReplies.created(appliance.createSnapshot(names.get(0), names.get(1),
                        request.option("from")));
            case "snapshot reset":
                names = request.names(2);
                return ControlReplies.reset(appliance.resetSnapshot(names.get(0), names.get(1), request.flag("force")));
            case "snapshot list":
                return request.flag("json") ? Json.line(appliance.reports().snapshotSummaries(request.names(1).get(0)))
                        : appliance.listSnapshots(request.names(1).get(0));
            case "snapshot delete":
                names = request.names(2);
                appliance.deleteSnapshot(names.get(0), names.get(1), request.flag("force"));
                return ControlReplies.snapshotDeleted(names.get(0), names.get(1));
            case "snapshot rollback":
                names = request.names(2);
                appliance.rollback(names.get(0), names.get(1));
                return ControlReplies.rollingBack(names.get(0), names.get(1));
            case "snapshot rollback-status":
                return ControlReplies.progress(appliance.rollbackStatus(request.names(1).get(0)));
            case "snapshot diff":
                names = request.names(3);
                return appliance.streams().diff(names.get(0), names.get(1), names.get(2), request.flag("json"));
            case "snapshot export":
                names = request.names(2);
                try (OutputStream out = new BufferedOutputStream(new StreamOnFirstWrite(exchange), 1 << 16)) {
                    appliance.streams().exportSnapshot(names.get(0), names.get(1), request.option("since"),
                            request.option("resume-from").map(Long::parseLong).orElse(0L), out);
                }
                return "";
            case "snapshot import":
                return appliance.streams().importSnapshot(request.names(1).get(0), exchange.body(),
                        request.flag("force"), request.flag("resume"));
            case "snapshot hold":
                names = request.names(2);
                return appliance.automation().holdSnapshot(names.get(0), names.get(1));
            case "snapshot release":
                names = request.names(2);
                return appliance.automation().releaseSnapshot(names.get(0), names.get(1));
            case "schedule set":
                names = request.names(2);
                return appliance.automation().setSchedule(names.get(0), names.get(1));
            case "schedule clear":
                return appliance.automation().clearSchedule(request.names(1).get(0));
            case "schedule list":
                request.names(0);
                return Reports.schedules(appliance.automation().scheduleSummaries());
            case "replicate set":
                return appliance.automation().setReplication(request.names(1).get(0), ReplicationSettings.of(
                        required(request, "to"), Path.of(required(request, "token-file")),
                        request.option("fingerprint"), request.option("keep")));
            case "replicate clear":
                return appliance.automation().clearReplication(request.names(1).get(0));
            case "replicate list":
                request.names(0);
                return Reports.replications(appliance.automation().replicationSummaries());
            case "token create":
                return appliance.apiAccess().createToken(request.names(1).get(0),
                        ApiRole.parse(required(request, "role")));
            case "token list":
                request.names(0);
                return appliance.apiAccess().listTokens();
            case "token revoke":
                return appliance.apiAccess().revokeToken(request.names(1).get(0));
            case "scrub start":
                names = request.names(1);
                long rate = size(request, "rate");
                appliance.startScrub(names.get(0), rate);
                return ControlReplies.scrubbing(names.get(0), rate);
            case "scrub status":
                return ControlReplies.progress(appliance.scrubStatus(request.names(1).get(0)));
            case "status":
                request.names(0);
                return appliance.status();
            default:
                throw new ConfigException("unknown control request '" + request.command() + "'");
        }
    }

    /** A size option in bytes; 0 when the user left it out (the default). */
    private static long size(ControlRequest request, String option) throws ConfigException {
        Optional<String> value = request.option(option);
        return value.isEmpty() ? 0 : Sizes.parse(value.get());
    }

    private static String required(ControlRequest request, String option) throws ConfigException {
        return request.option(option).orElseThrow(() -> new ConfigException("the control request lacks --"
                + option));
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
}
