package org.snapshare.iscsi;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Text requests in full feature phase: SendTargets discovery (RFC 7143,
 * appendix C). Answers longer than the initiator's segment limit go out in
 * parts with the C bit, each part fetched by a follow-up request.
 */
final class TextResponder {

    private final TargetRegistry registry;
    private final InetSocketAddress portal;
    private ByteBuffer unsent;
    private int continuationTag;

    TextResponder(TargetRegistry registry, InetSocketAddress portal) {
        this.registry = registry;
        this.portal = portal;
    }

    Pdu respond(Pdu request, SessionParameters parameters) throws ProtocolException {
        int ttt = request.targetTransferTag();
        if (ttt == Pdu.NO_TAG || unsent == null || ttt != continuationTag) {
            unsent = answer(TextParameters.parse(request.data()), parameters);
        }
        int length = Math.min(unsent.remaining(), parameters.initiatorMaxRecvDataSegmentLength);
        ByteBuffer part = unsent.slice(unsent.position(), length);
        unsent.position(unsent.position() + length);
        boolean more = unsent.hasRemaining();
        continuationTag = more ? continuationTag + 1 & 0x7fffffff : 0;
        return Pdu.response(Opcode.TEXT_RESPONSE).flags(more ? 0x40 : 0x80)
                .longAt(8, request.lun()).initiatorTaskTag(request.initiatorTaskTag())
                .targetTransferTag(more ? continuationTag : Pdu.NO_TAG).data(part);
    }

    private ByteBuffer answer(Map<String, String> keys, SessionParameters parameters) {
        List<Map.Entry<String, String>> answers = new ArrayList<>();
        for (Map.Entry<String, String> key : keys.entrySet()) {
            if (!"SendTargets".equals(key.getKey())) {
                answers.add(Map.entry(key.getKey(), "NotUnderstood"));
                continue;
            }
            for (String name : registry.names()) {
                // An initiator only discovers the targets it may log in to.
                if (matches(key.getValue(), name, parameters)
                        && registry.policy().allows(name, parameters.initiatorName)) {
                    answers.add(Map.entry("TargetName", name));
                    answers.add(Map.entry("TargetAddress", address() + "," + registry.portalGroupTag()));
                }
            }
        }
        return TextParameters.encode(answers);
    }

    /** "All" lists every target in a discovery session; a name or empty value, one target. */
    private static boolean matches(String wanted, String name, SessionParameters parameters) {
        if ("All".equals(wanted)) {
            return parameters.discovery;
        }
        if (wanted.isEmpty()) {
            return name.equals(parameters.targetName);
        }
        return name.equals(wanted);
    }

    /** The advertised portal, or the one this connection arrived on. */
    private String address() {
        Optional<String> advertised = registry.advertisedPortal();
        if (advertised.isPresent()) {
            return advertised.get();
        }
        InetAddress host = portal.getAddress();
        String text = host.getHostAddress();
        return (host instanceof Inet6Address ? "[" + text + "]" : text) + ":" + portal.getPort();
    }
}
