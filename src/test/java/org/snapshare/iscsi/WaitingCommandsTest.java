package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snapshare.testing.MemoryUnit;

/**
 * A command may wait long: for a cluster lock that another node's expiring session still holds, for a slow
 * disk; and a task management function waits for the commands it names (their responses go first).
 * Meanwhile the connection must keep answering: a NOP-Out unanswered for 5 s makes open-iscsi drop the
 * connection, and multipath the path (the suspected cause of a rare failover failure in ClusterIT, where
 * reads ran on the connection's thread and waited there for the volume's lock).
 */
class WaitingCommandsTest {

    private static final String TARGET = "iqn.2026-11.org.snapshare:tmf";
    private static final int ABORT_TASK = 1;
    private static final int LOGICAL_UNIT_RESET = 5;

    private final MemoryUnit unit = new MemoryUnit(1 << 20);
    @RegisterExtension
    final LoopbackTargets server = new LoopbackTargets().export(TARGET, unit);

    @Test
    void aNopOutIsAnsweredWhileAnAbortTaskWaitsForItsCommand() throws Exception {
        answersWhileTheFunctionWaits(ABORT_TASK);
    }

    @Test
    void aNopOutIsAnsweredWhileALunResetWaitsForTheCommands() throws Exception {
        answersWhileTheFunctionWaits(LOGICAL_UNIT_RESET);
    }

    @Test
    void aNopOutIsAnsweredWhileAReadWaitsForTheUnit() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(TARGET);
            Pdu read;
            synchronized (unit) { // MemoryUnit's reads take its monitor: the read below waits for it
                read = initiator.command(0xc0, 4096, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0);
                initiator.send(read);
                initiator.send(TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(0x7002)
                        .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn));
                Pdu answer = initiator.receive(); // before the fix: nothing until the read ends (10 s timeout)
                assertEquals(Opcode.NOP_IN, answer.opcode(), "the NOP-Out is answered while the read waits");
            }
            Pdu data = initiator.receive();
            assertEquals(Opcode.DATA_IN, data.opcode());
            assertEquals(read.initiatorTaskTag(), data.initiatorTaskTag());
        }
    }

    @Test
    void functionsBeyondTheQueueAreRefusedAtOnce() throws Exception {
        int extra = 3;
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(TARGET);
            synchronized (unit) {
                Pdu write = initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0)
                        .data(TestInitiator.bytes(4096, 0x3c));
                initiator.send(write);
                Thread.sleep(200);
                // One runs (waits for the write), WaitingFunctions.QUEUED wait behind it, the rest are refused.
                for (int i = 0; i < 1 + WaitingFunctions.QUEUED + extra; i++) {
                    initiator.send(TestInitiator.request(Opcode.TASK_MGMT_REQUEST | 0x40).flags(0x80 | ABORT_TASK)
                            .initiatorTaskTag(0x7100 + i).intAt(20, write.initiatorTaskTag())
                            .intAt(24, initiator.cmdSn).intAt(32, initiator.cmdSn - 1));
                }
                for (int i = 0; i < extra; i++) { // answered while the write still waits: refused
                    Pdu refused = initiator.receive();
                    assertEquals(Opcode.TASK_MGMT_RESPONSE, refused.opcode());
                    assertEquals(255, refused.byteAt(2), "function rejected");
                    // the first may still sit in the queue when the next arrive: one more may be refused
                    assertTrue(refused.initiatorTaskTag() >= 0x7100 + WaitingFunctions.QUEUED,
                            "refused while the queue had room: " + Integer.toHexString(refused.initiatorTaskTag()));
                }
            }
            int answered = extra;
            while (answered < 1 + WaitingFunctions.QUEUED + extra) {
                answered += initiator.receive().opcode() == Opcode.TASK_MGMT_RESPONSE ? 1 : 0;
            }
        }
    }

    private void answersWhileTheFunctionWaits(int function) throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(TARGET);
            List<Pdu> received = new ArrayList<>();
            Pdu write;
            synchronized (unit) { // MemoryUnit's writes take its monitor: the write below waits for it
                write = initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0)
                        .data(TestInitiator.bytes(4096, 0x3c)); // immediate data: all of it
                initiator.send(write);
                Thread.sleep(200); // the write is on a worker, waiting
                initiator.send(TestInitiator.request(Opcode.TASK_MGMT_REQUEST | 0x40).flags(0x80 | function)
                        .initiatorTaskTag(0x7001).intAt(20, write.initiatorTaskTag()).intAt(24, initiator.cmdSn)
                        .intAt(32, initiator.cmdSn - 1));
                initiator.send(TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(0x7002)
                        .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn));
                Pdu answer = initiator.receive(); // before the fix: nothing until the write ends (10 s timeout)
                assertEquals(Opcode.NOP_IN, answer.opcode(), "the NOP-Out is answered while the write still waits");
                assertEquals(0x7002, answer.initiatorTaskTag());
            }
            while (received.stream().noneMatch(pdu -> pdu.opcode() == Opcode.TASK_MGMT_RESPONSE)) {
                received.add(initiator.receive());
            }
            List<Integer> order = received.stream().map(Pdu::opcode).toList();
            assertEquals(Opcode.SCSI_RESPONSE, order.get(0), "the write's response first: " + order);
            assertEquals(write.initiatorTaskTag(), received.get(0).initiatorTaskTag());
            assertEquals(Opcode.TASK_MGMT_RESPONSE, order.get(order.size() - 1), "the function's answer last");
            assertEquals(0x7001, received.get(order.size() - 1).initiatorTaskTag());
        }
    }
}
