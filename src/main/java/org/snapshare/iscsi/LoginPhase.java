package org.snapshare.iscsi;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login phase of one connection (RFC 7143, 6.3): security stage
 * (AuthMethod None or CHAP, per the registry's {@link AccessPolicy}),
 * operational negotiation, then full feature.
 */
final class LoginPhase {

    private static final Logger LOG = LoggerFactory.getLogger(LoginPhase.class);
    private static final int SECURITY = 0;
    private static final int OPERATIONAL = 1;
    private static final int FULL_FEATURE = 3;
    /** The most login text one request may carry over its continued PDUs; real logins need a few hundred bytes. */
    static final int MAX_TEXT = 64 << 10;
    private static final int MAX_NAME_BYTES = 223;

    /** What a successful login yields. */
    static final class Result {
        final SessionParameters parameters;
        final ExportedTarget target;
        final SequenceNumbers numbers;
        final String initiatorPort;

        Result(SessionParameters parameters, ExportedTarget target, SequenceNumbers numbers, String initiatorPort) {
            this.parameters = parameters;
            this.target = target;
            this.numbers = numbers;
            this.initiatorPort = initiatorPort;
        }
    }

    private final PduReader reader;
    private final PduWriter writer;
    private final TargetRegistry registry;
    private final int tsih;
    private final SessionParameters parameters;
    private final OperationalNegotiator negotiator;
    private final int queueDepth;

    private SequenceNumbers numbers;
    private ExportedTarget target;
    private byte[] isid;
    private Pdu current;
    private boolean identified;
    private boolean portalGroupTagSent;
    private ChapAuthenticator security;

    LoginPhase(PduReader reader, PduWriter writer, TargetRegistry registry, int tsih, int maxRecvDataSegmentLength,
            int queueDepth) {
        this.queueDepth = queueDepth;
        this.reader = reader;
        this.writer = writer;
        this.registry = registry;
        this.tsih = tsih;
        this.parameters = new SessionParameters(maxRecvDataSegmentLength);
        this.negotiator = new OperationalNegotiator(parameters);
    }

    /** Runs the login from its first PDU; null when the login was refused (the reply is sent). */
    Result run(Pdu first) throws IOException, ProtocolException {
        Pdu request = first;
        while (true) {
            if (request.opcode() != Opcode.LOGIN_REQUEST) {
                throw new ProtocolException("expected a Login Request, got opcode 0x" + Integer.toHexString(request.opcode()));
            }
            if (numbers == null) {
                numbers = new SequenceNumbers(request.cmdSn(), request.expStatSn(), queueDepth);
                isid = request.isid();
            }
            try {
                if (step(collectText(request))) {
                    return new Result(parameters, target, numbers, initiatorPort());
                }
            } catch (LoginException e) {
                LOG.warn("login from {} refused: {}", parameters.initiatorName, e.getMessage());
                sendResponse(request, 0, null, e.statusClass, e.statusDetail);
                return null;
            }
            request = nextRequest();
        }
    }

    /** Joins text continued over several PDUs (C bit), acknowledging each part; at most {@link #MAX_TEXT} bytes. */
    private Map<String, String> collectText(Pdu request) throws IOException, ProtocolException, LoginException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Pdu part = request;
        while ((part.flags() & 0x40) != 0) {
            append(text, part);
            sendResponse(part, 0, null, 0, 0);
            part = nextRequest();
        }
        append(text, part);
        current = part;
        return TextParameters.parse(ByteBuffer.wrap(text.toByteArray()));
    }

    /** Handles one (joined) login request; true when the connection enters full feature phase. */
    private boolean step(Map<String, String> keys) throws IOException, LoginException {
        Pdu request = current;
        int flags = request.flags();
        boolean transit = (flags & 0x80) != 0; // what the initiator asks; we may hold it back
        int currentStage = (flags >>> 2) & 3;
        int nextStage = flags & 3;
        if (!identified) {
            identify(request, keys);
            AccessPolicy policy = registry.policy();
            String target = parameters.discovery ? null : parameters.targetName;
            security = new ChapAuthenticator(policy.initiatorSecret(target, parameters.initiatorName),
                    policy.targetSecret());
            identified = true;
        }
        if (currentStage == FULL_FEATURE || (transit && nextStage <= currentStage) || nextStage == 2) {
            throw LoginException.initiatorError("invalid stage transition " + currentStage + " -> " + nextStage);
        }
        Map<String, String> securityKeys = new LinkedHashMap<>();
        keys.keySet().removeIf(key -> {
            boolean isSecurity = key.equals("AuthMethod") || key.startsWith("CHAP_");
            if (isSecurity) {
                securityKeys.put(key, keys.get(key));
            }
            return isSecurity;
        });
        Map<String, String> answers = new LinkedHashMap<>();
        if (currentStage == SECURITY) {
            answers.putAll(security.answer(securityKeys));
        } else if (!securityKeys.isEmpty()) {
            throw LoginException.initiatorError("security keys " + securityKeys.keySet() + " outside the security stage");
        }
        if (!security.authenticated()) {
            if (currentStage != SECURITY) {
                throw LoginException.authenticationFailed("this target requires CHAP; the initiator skipped the"
                        + " security stage");
            }
            transit = false; // the CHAP exchange goes on in this stage
        }
        answers.putAll(negotiator.answer(keys));
        if (!portalGroupTagSent && !parameters.discovery) {
            answers.put("TargetPortalGroupTag", Integer.toString(registry.portalGroupTag()));
            portalGroupTagSent = true;
        }
        boolean enterFullFeature = transit && nextStage == FULL_FEATURE;
        if (enterFullFeature || currentStage == OPERATIONAL) {
            negotiator.declareOurs(answers);
        }
        sendResponse(request, transit ? (0x80 | (currentStage << 2) | nextStage) : (currentStage << 2),
                answers, 0, 0);
        return enterFullFeature;
    }

    /** First request: initiator and target names, session type, version, TSIH. */
    private void identify(Pdu request, Map<String, String> keys) throws LoginException {
        if (request.versionMin() > 0) {
            throw LoginException.unsupportedVersion("VersionMin " + request.versionMin() + " > 0");
        }
        if (request.tsih() != 0) {
            throw LoginException.sessionDoesNotExist("TSIH " + request.tsih()
                    + ": adding connections to a session is not supported");
        }
        parameters.initiatorName = keys.get("InitiatorName");
        if (parameters.initiatorName == null) {
            throw LoginException.missingParameter("InitiatorName missing from the first login request");
        }
        checkNameLength("InitiatorName", parameters.initiatorName);
        String sessionType = keys.getOrDefault("SessionType", "Normal");
        parameters.discovery = "Discovery".equals(sessionType);
        if (!parameters.discovery && !"Normal".equals(sessionType)) {
            throw LoginException.initiatorError("SessionType=" + sessionType);
        }
        if (parameters.discovery) {
            return;
        }
        String targetName = keys.get("TargetName");
        if (targetName == null) {
            throw LoginException.missingParameter("TargetName missing from a normal session's login");
        }
        checkNameLength("TargetName", targetName);
        // One answer for "no such target" and "not allowed": a peer that has not authenticated must not
        // learn which targets exist or which initiator names they allow (the log keeps the difference).
        target = registry.lookup(targetName)
                .orElseThrow(() -> LoginException.notFound("no target named " + targetName));
        if (!registry.policy().allows(targetName, parameters.initiatorName)) {
            throw LoginException.notFound("initiator " + parameters.initiatorName
                    + " is not in the allowed-initiators of " + targetName + " (answered as not found)");
        }
        parameters.targetName = targetName;
    }

    /** iSCSI names are at most 223 bytes (RFC 7143, 4.2.7.1); TransportIDs and logs rely on it. */
    private static void checkNameLength(String key, String name) throws LoginException {
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw LoginException.initiatorError(key + " is longer than " + MAX_NAME_BYTES + " bytes");
        }
    }

    private void sendResponse(Pdu request, int flags, Map<String, String> answers, int statusClass, int detail)
            throws IOException {
        Pdu response = Pdu.response(Opcode.LOGIN_RESPONSE).flags(flags);
        response.isid(isid);
        boolean success = statusClass == 0 && (flags & 0x83) == 0x83;
        response.tsih(success ? tsih : 0).initiatorTaskTag(request.initiatorTaskTag());
        response.loginStatus(statusClass, detail);
        if (answers != null && !answers.isEmpty()) {
            response.data(TextParameters.encode(answers.entrySet()));
        }
        numbers.stamp(response, true);
        writer.write(response);
    }

    private Pdu nextRequest() throws IOException, ProtocolException {
        Pdu next = reader.read();
        if (next == null) {
            throw new EOFException("initiator closed the connection during login");
        }
        return next;
    }

    private String initiatorPort() {
        StringBuilder port = new StringBuilder(parameters.initiatorName).append(",i,0x");
        for (byte b : isid) {
            port.append(String.format("%02x", b));
        }
        return port.toString();
    }

    private static void append(ByteArrayOutputStream text, Pdu part) throws LoginException {
        if (text.size() + (long) part.dataSegmentLength() > MAX_TEXT) {
            throw LoginException.initiatorError("login text continued past " + MAX_TEXT + " bytes");
        }
        text.writeBytes(bytes(part.data()));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }
}
