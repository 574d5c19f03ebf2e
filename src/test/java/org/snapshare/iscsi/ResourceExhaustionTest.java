package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snapshare.iscsi.scsi.DataBuffers;
import org.snapshare.iscsi.scsi.ScsiResult;
import org.snapshare.testing.MemoryUnit;

/**
 * Peers that try to exhaust the server (issue 25, attacks 2 to 4): each is
 * refused or closed, and a well-behaved initiator is served afterwards.
 * Limits are small here so each attack reaches them fast.
 */
class ResourceExhaustionTest {

    private static final String TARGET = "iqn.2026-11.org.snapshare:limits";
    private static final int MIB = 1 << 20;

    private final TargetRegistry registry = new TargetRegistry();
    private IscsiServer server;

    private IscsiServer start(ConnectionLimits limits) throws IOException {
        registry.export(TARGET, new MemoryUnit(8 * MIB));
        server = new IscsiServer(new InetSocketAddress("127.0.0.1", 0), registry, limits);
        server.start();
        return server;
    }

    private static ConnectionLimits limits(int pendingPerAddress, Duration loginTimeout, Duration nopIn,
            int queueDepth, long bufferMemory) {
        return new ConnectionLimits(64, 16, pendingPerAddress, loginTimeout, nopIn, nopIn, queueDepth, bufferMemory);
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        DataBuffers.SHARED.budget(ConnectionLimits.defaults().bufferMemory()); // the budget of the next servers
    }

    @Test
    void aLoginTextFloodIsRefusedPastItsCap() throws Exception {
        start(ConnectionLimits.defaults());
        try (TestInitiator flooder = new TestInitiator(server.boundAddress())) {
            flooder.beginLoginFlood();
            TestInitiator.FloodOutcome flood = flooder.continueLoginFlood(4L * LoginPhase.MAX_TEXT);
            assertEquals(2, flood.statusClass(), "refused as an initiator error once past the cap");
            assertTrue(flood.bytesSent() <= LoginPhase.MAX_TEXT + 8192, "refused after " + flood.bytesSent() + " bytes");
            assertFalse(flooder.drain(5000), "the connection is closed");
        }
        assertServes();
    }

    @Test
    void connectionsThatNeverLogInHoldOnlyTheirAddressesShareAndOnlyUntilTheLoginTimeout() throws Exception {
        start(limits(3, Duration.ofMillis(1500), Duration.ofSeconds(15), 128, 64 * MIB));
        InetAddress attacker = InetAddress.getByName("127.0.0.2");
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket socket = new Socket(server.boundAddress().getAddress(), server.boundAddress().getPort(),
                        attacker, 0);
                socket.setSoTimeout(5000);
                idle.add(socket);
            }
            int refused = 0;
            for (Socket socket : idle.subList(3, 6)) {
                refused += socket.getInputStream().read() < 0 ? 1 : 0;
            }
            assertEquals(3, refused, "past 3 pending logins from one address, connections are closed at once");
            assertServes(); // another address logs in meanwhile
            for (Socket socket : idle.subList(0, 3)) {
                long start = System.nanoTime();
                assertEquals(-1, socket.getInputStream().read(), "closed by the login timeout");
                assertTrue(System.nanoTime() - start < 5_000_000_000L);
            }
            waitFor(() -> server.pendingLoginCount() == 0);
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void aSilentSessionIsPingedAndClosedWhenItDoesNotAnswer() throws Exception {
        start(limits(8, Duration.ofSeconds(15), Duration.ofMillis(400), 128, 64 * MIB));
        try (TestInitiator answering = new TestInitiator(server.boundAddress());
                TestInitiator silent = new TestInitiator(server.boundAddress())) {
            answering.loginNormal(TARGET);
            silent.loginNormal(TARGET);
            for (int ping = 0; ping < 3; ping++) {
                Pdu nopIn = answering.receive();
                assertEquals(Opcode.NOP_IN, nopIn.opcode());
                assertEquals(Pdu.NO_TAG, nopIn.initiatorTaskTag());
                assertTrue(nopIn.targetTransferTag() != Pdu.NO_TAG, "a ping asks for an answer");
                answering.send(TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(Pdu.NO_TAG)
                        .targetTransferTag(nopIn.targetTransferTag()).intAt(24, answering.cmdSn));
            }
            assertEquals(Opcode.NOP_IN, silent.receive().opcode());
            assertFalse(silent.drain(5000), "no answer to the ping: the session is closed");
            answering.send(answering.command(0xc0, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0));
            Pdu reply = answering.receive();
            while (reply.opcode() == Opcode.NOP_IN) {
                reply = answering.receive();
            }
            assertEquals(Opcode.DATA_IN, reply.opcode(), "the session that answers goes on");
        }
    }

    @Test
    void writesWaitingForDataCannotExhaustTheHeapNorStarveOtherSessions() throws Exception {
        start(limits(8, Duration.ofSeconds(15), Duration.ofSeconds(15), 128, 64 * MIB));
        List<TestInitiator> hoarders = new ArrayList<>();
        try {
            int[] given = new int[10];
            for (int session = 0; session < given.length; session++) {
                TestInitiator hoarder = new TestInitiator(server.boundAddress());
                hoarders.add(hoarder);
                hoarder.loginNormal(TARGET, "InitialR2T", "Yes");
                for (int i = 0; i < (session == 0 ? 49 : 3); i++) { // WRITE(16) of 4 MiB each, data never sent
                    hoarder.send(hoarder.command(0xa0, 4 * MIB, 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0,
                            0));
                    Pdu answer = hoarder.receive();
                    if (answer.opcode() == Opcode.R2T) {
                        given[session]++;
                    } else {
                        assertEquals(ScsiResult.TASK_SET_FULL, answer.byteAt(3));
                    }
                }
                assertTrue(given[session] <= 2, "a session holds at most an eighth of the budget: " + given[session]);
                if (session == 0) {
                    assertEquals(2, given[0], "an eighth of 64 MiB holds two writes of 4 MiB");
                    assertServes(); // the hoarder holds its share only
                }
            }
            assertEquals(16, java.util.Arrays.stream(given).sum(), "the budget holds 16 writes of 4 MiB, no more");
            assertTrue(DataBuffers.SHARED.inUseBytes() <= 64 * MIB);
        } finally {
            for (TestInitiator hoarder : hoarders) {
                hoarder.close();
            }
        }
        waitFor(() -> DataBuffers.SHARED.inUseBytes() == 0); // the hoarders left: their buffers are back
        assertServes();
    }

    @Test
    void theWindowMovesAsCommandsCompleteAndImmediateCommandsCountAgainstTheDepth() throws Exception {
        start(limits(8, Duration.ofSeconds(15), Duration.ofSeconds(15), 2, 64 * MIB));
        try (TestInitiator initiator = new TestInitiator(server.boundAddress())) {
            Pdu login = initiator.loginNormal(TARGET, "InitialR2T", "Yes");
            assertEquals(2, login.intAt(32) - login.intAt(28) + 1, "window of the queue depth");
            Pdu first = initiator.command(0xa0, 512, 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0);
            initiator.send(first);
            Pdu r2t = initiator.receive();
            initiator.send(initiator.command(0xa0, 512, 0x2a, 0, 0, 0, 0, 1, 0, 0, 1, 0));
            Pdu secondR2t = initiator.receive();
            assertEquals(secondR2t.intAt(28) - 1, secondR2t.intAt(32), "window closed: MaxCmdSN = ExpCmdSN - 1");

            Pdu immediate = initiator.command(0xc0, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
            immediate.byteAt(0, Opcode.SCSI_COMMAND | 0x40);
            initiator.cmdSn--; // immediate commands take no CmdSN
            initiator.send(immediate);
            Pdu full = initiator.receive();
            assertEquals(Opcode.SCSI_RESPONSE, full.opcode());
            assertEquals(ScsiResult.TASK_SET_FULL, full.byteAt(3));

            initiator.send(WriteDataAttackTest.dataOut(first, r2t.targetTransferTag(), 0, 0,
                    TestInitiator.bytes(512, 0x31)));
            Pdu done = initiator.receive();
            assertEquals(0, done.byteAt(3));
            assertEquals(done.intAt(28), done.intAt(32), "one command done: one CmdSN open");
        }
    }

    /** A fresh initiator logs in and reads. */
    private void assertServes() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.boundAddress())) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("InitiatorName", "iqn.2026-11.org.snapshare:well-behaved");
            keys.put("TargetName", TARGET);
            assertEquals(0, initiator.login(keys).byteAt(36));
            initiator.send(initiator.command(0xc0, 4096, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0));
            assertEquals(4096, initiator.readData(4096).position());
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached in 10 s");
            Thread.sleep(20);
        }
    }
}
