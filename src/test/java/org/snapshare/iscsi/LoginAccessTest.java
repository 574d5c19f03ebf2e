package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snapshare.testing.MemoryUnit;

/** What a peer learns and may do before and outside a normal session (issue 25, "Access"). */
class LoginAccessTest {

    private static final String TARGET = "iqn.2026-11.org.snapshare:guarded";
    private static final String FRIEND = "iqn.2026-11.org.snapshare:friend";

    private final TargetRegistry registry = new TargetRegistry();
    private IscsiServer server;

    @BeforeEach
    void start() throws IOException {
        registry.export(TARGET, new MemoryUnit(1 << 20));
        registry.policy(new AccessPolicy() {
            @Override
            public Optional<ChapSecret> initiatorSecret(String target, String initiatorName) {
                return Optional.empty();
            }

            @Override
            public Optional<ChapSecret> targetSecret() {
                return Optional.empty();
            }

            @Override
            public boolean allows(String target, String initiatorName) {
                return FRIEND.equals(initiatorName);
            }
        });
        server = new IscsiServer(new InetSocketAddress("127.0.0.1", 0), registry);
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private Pdu login(String initiator, String target) throws Exception {
        try (TestInitiator peer = new TestInitiator(server.boundAddress())) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("InitiatorName", initiator);
            keys.put("TargetName", target);
            return peer.login(keys);
        }
    }

    @Test
    void aTargetThatIsNotAllowedAnswersExactlyAsOneThatDoesNotExist() throws Exception {
        Pdu unknown = login(FRIEND, TARGET + "-nope");
        Pdu notAllowed = login("iqn.2026-11.org.snapshare:stranger", TARGET);
        assertEquals(0x0203, unknown.shortAt(36), "not found");
        assertEquals(unknown.shortAt(36), notAllowed.shortAt(36), "the same status class and detail");
        assertEquals(0, login(FRIEND, TARGET).byteAt(36), "the allowed initiator logs in");
    }

    @Test
    void namesLongerThanIscsiAllowsAreRefused() throws Exception {
        assertEquals(2, login("iqn.2026-11.org.snapshare:" + "x".repeat(300), TARGET).byteAt(36));
        assertEquals(2, login(FRIEND, TARGET + "x".repeat(300)).byteAt(36));
    }

    @Test
    void taskManagementInADiscoverySessionIsRejectedAndTheSessionGoesOn() throws Exception {
        try (TestInitiator peer = new TestInitiator(server.boundAddress())) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("InitiatorName", FRIEND);
            keys.put("SessionType", "Discovery");
            assertEquals(0, peer.login(keys).byteAt(36));
            for (int function : new int[] {1, 5, 6, 7}) { // ABORT TASK, LUN RESET, TARGET WARM/COLD RESET
                peer.send(TestInitiator.request(Opcode.TASK_MGMT_REQUEST | 0x40).flags(0x80 | function)
                        .initiatorTaskTag(peer.itt++).intAt(24, peer.cmdSn));
                Pdu answer = peer.receive();
                assertEquals(Opcode.TASK_MGMT_RESPONSE, answer.opcode());
                assertEquals(255, answer.byteAt(2), "function rejected");
            }
            peer.send(TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(peer.itt++)
                    .targetTransferTag(Pdu.NO_TAG).intAt(24, peer.cmdSn));
            assertEquals(Opcode.NOP_IN, peer.receive().opcode(), "the session is still served");
        }
    }
}
