package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snapshare.testing.MemoryUnit;

/** The protocol engine against a raw-PDU initiator on 127.0.0.1. */
class IscsiServerTest {

    private static final String TARGET = "iqn.2026-11.org.snapshare:test";
    private final MemoryUnit unit = new MemoryUnit(4 << 20);
    @RegisterExtension
    final LoopbackTargets server = new LoopbackTargets().export(TARGET, unit);

    private TestInitiator connect() throws IOException {
        return new TestInitiator(server.address());
    }

    @Test
    void discoveryListsEveryTargetWithThePortalAddress() throws Exception {
        server.registry.export(TARGET + "-2", new MemoryUnit(1 << 20));
        try (TestInitiator initiator = connect()) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("InitiatorName", "iqn.2026-11.org.snapshare:test-initiator");
            keys.put("SessionType", "Discovery");
            assertEquals(0, initiator.login(keys).byteAt(36));
            Pdu text = TestInitiator.request(Opcode.TEXT_REQUEST | 0x40).flags(0x80).initiatorTaskTag(7)
                    .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn);
            initiator.send(text.data(TextParameters.encode(Map.of("SendTargets", "All").entrySet())));
            Pdu reply = initiator.receive();
            assertEquals(Opcode.TEXT_RESPONSE, reply.opcode());
            String answer = StandardCharsets.UTF_8.decode(reply.data()).toString();
            String address = "TargetAddress=127.0.0.1:" + server.address().getPort() + ",1";
            assertEquals("TargetName=" + TARGET + "\0" + address + "\0TargetName=" + TARGET + "-2\0" + address + "\0",
                    answer);
        }
    }

    @Test
    void loginToAnUnknownTargetIsRefusedWithNotFound() throws Exception {
        try (TestInitiator initiator = connect()) {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("InitiatorName", "iqn.2026-11.org.snapshare:test-initiator");
            keys.put("TargetName", "iqn.2026-11.org.snapshare:nope");
            Pdu response = initiator.login(keys);
            assertEquals(Opcode.LOGIN_RESPONSE, response.opcode());
            assertEquals(2, response.byteAt(36), "initiator error class");
            assertEquals(3, response.byteAt(37), "not found");
        }
    }

    @Test
    void negotiationAnswersAndDeclaresOurSegmentLimit() throws Exception {
        try (TestInitiator initiator = connect()) {
            Pdu response = initiator.loginNormal(TARGET, "HeaderDigest", "None,CRC32C", "MaxBurstLength", "16776192",
                    "X-com.example.Thing", "1");
            Map<String, String> answers = TextParameters.parse(response.data());
            assertEquals("None", answers.get("HeaderDigest"), "the initiator's first choice we know");
            assertEquals(Integer.toString(OperationalNegotiator.OUR_MAX_BURST_LENGTH), answers.get("MaxBurstLength"));
            assertEquals("NotUnderstood", answers.get("X-com.example.Thing"));
            assertEquals(Integer.toString(Connection.MAX_RECV_DATA_SEGMENT_LENGTH),
                    answers.get("MaxRecvDataSegmentLength"));
            assertEquals("1", answers.get("TargetPortalGroupTag"));
            assertTrue(response.shortAt(14) != 0, "a TSIH is assigned");
        }
    }

    @Test
    void aCommandArrivingWhileAWriteWaitsForDataIsServed() throws Exception {
        try (TestInitiator initiator = connect()) {
            initiator.loginNormal(TARGET, "InitialR2T", "Yes", "ImmediateData", "No");
            // WRITE(10) of 8 blocks at LBA 16, no data yet: the target must answer with an R2T.
            initiator.send(initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, 16, 0, 0, 8, 0));
            Pdu r2t = initiator.receive();
            assertEquals(Opcode.R2T, r2t.opcode());
            assertEquals(0, r2t.intAt(40), "buffer offset");
            assertEquals(4096, r2t.intAt(44), "desired length");
            // Meanwhile a READ(10) of LBA 0..1 is sent and must be answered before the write's data arrives.
            initiator.send(initiator.command(0xc0, 1024, 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0));
            assertEquals(1024, initiator.readData(1024).position());
            Pdu dataOut = TestInitiator.request(Opcode.DATA_OUT).flags(0x80).initiatorTaskTag(r2t.initiatorTaskTag())
                    .intAt(20, r2t.intAt(20)).intAt(40, 0).data(TestInitiator.bytes(4096, 0x77));
            initiator.send(dataOut);
            Pdu response = initiator.receive();
            assertEquals(Opcode.SCSI_RESPONSE, response.opcode());
            assertEquals(0, response.byteAt(3));
            assertEquals(1, response.intAt(36), "ExpDataSN counts the R2T");
            assertArrayEquals(TestInitiator.bytes(4096, 0x77).array(), unit.copy(16 * 512, 4096));
        }
    }

    @Test
    void largeReadsAreSplitToTheInitiatorsSegmentLimit() throws Exception {
        try (TestInitiator initiator = connect()) {
            initiator.loginNormal(TARGET, "MaxRecvDataSegmentLength", "4096");
            initiator.send(initiator.command(0xc0, 65536, 0x28, 0, 0, 0, 0, 0, 0, 0, 128, 0));
            int pdus = 0;
            while (true) {
                Pdu dataIn = initiator.receive();
                assertEquals(Opcode.DATA_IN, dataIn.opcode());
                assertTrue(dataIn.dataSegmentLength() <= 4096);
                assertEquals(pdus, dataIn.intAt(36), "DataSN");
                assertEquals(pdus * 4096, dataIn.intAt(40), "buffer offset");
                pdus++;
                if ((dataIn.flags() & 0x01) != 0) {
                    break;
                }
            }
            assertEquals(16, pdus);
        }
    }

    @Test
    void severalOutstandingCommandsAllComplete() throws Exception {
        try (TestInitiator initiator = connect()) {
            Pdu login = initiator.loginNormal(TARGET);
            int window = login.intAt(32) - login.intAt(28) + 1;
            assertTrue(window > 1, "command window of " + window);
            int count = Math.min(window, 16);
            for (int i = 0; i < count; i++) {
                initiator.send(initiator.command(0xc0, 512, 0x28, 0, 0, 0, 0, i, 0, 0, 1, 0));
            }
            for (int i = 0; i < count; i++) {
                assertEquals(512, initiator.readData(512).position());
            }
        }
    }

    @Test
    void zeroLengthReadCompletesAndOutOfRangeCarriesTheRightSense() throws Exception {
        try (TestInitiator initiator = connect()) {
            initiator.loginNormal(TARGET);
            initiator.send(initiator.command(0x80, 0, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0));
            Pdu good = initiator.receive();
            assertEquals(Opcode.SCSI_RESPONSE, good.opcode());
            assertEquals(0, good.byteAt(3));

            initiator.send(initiator.command(0xc0, 512, 0x28, 0, 0, 0, 0x20, 0, 0, 0, 1, 0));
            Pdu error = initiator.receive();
            assertEquals(Opcode.SCSI_RESPONSE, error.opcode());
            assertEquals(2, error.byteAt(3), "CHECK CONDITION");
            ByteBuffer sense = error.data();
            assertEquals(18, sense.getShort(0));
            assertEquals(0x05, sense.get(2 + 2) & 0x0f, "ILLEGAL REQUEST");
            assertEquals(0x21, sense.get(2 + 12) & 0xff, "LBA OUT OF RANGE");
        }
    }

    /** WRITE SAME takes one block: a transfer of two is a mistake, refused, and nothing is written. */
    @Test
    void writeSameWithMoreThanOneBlockOfDataOutIsRefused() throws Exception {
        try (TestInitiator initiator = connect()) {
            initiator.loginNormal(TARGET);
            initiator.send(initiator.command(0xa0, 1024, 0x41, 0, 0, 0, 0, 12, 0, 0, 1, 0)
                    .data(TestInitiator.bytes(1024, 0x55)));
            Pdu refused = initiator.receive();
            assertEquals(2, refused.byteAt(3), "CHECK CONDITION");
            assertEquals(0x24, refused.data().get(2 + 12) & 0xff, "INVALID FIELD IN CDB");
            initiator.send(initiator.command(0xc0, 512, 0x28, 0, 0, 0, 0, 12, 0, 0, 1, 0));
            assertEquals(0, initiator.readData(512).get(0), "nothing written");
        }
    }

    @Test
    void nopOutWithReservedBitsSetIsAnswered() throws Exception {
        try (TestInitiator initiator = connect()) {
            initiator.loginNormal(TARGET);
            Pdu nop = TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(0x42)
                    .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn).intAt(40, 0xdeadbeef)
                    .data(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
            initiator.send(nop);
            Pdu reply = initiator.receive();
            assertEquals(Opcode.NOP_IN, reply.opcode());
            assertEquals(0x42, reply.initiatorTaskTag());
            assertEquals("ping", StandardCharsets.US_ASCII.decode(reply.data()).toString());
        }
    }

    @Test
    void aClientDroppingMidPduLeavesTheServerServing() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(new byte[20]); // part of a header, then gone
            out.flush();
        }
        try (TestInitiator initiator = connect()) {
            initiator.loginNormal(TARGET);
        }
        waitFor(() -> server.server().connectionCount() == 0);
    }

    @Test
    void anOversizedDataSegmentEndsOnlyThatConnection() throws Exception {
        try (TestInitiator bad = connect(); TestInitiator good = connect()) {
            good.loginNormal(TARGET);
            bad.loginNormal(TARGET);
            Pdu huge = bad.command(0xa0, 1 << 20, 0x2a, 0, 0, 0, 0, 0, 0, 0x08, 0, 0)
                    .data(ByteBuffer.allocate(Connection.MAX_RECV_DATA_SEGMENT_LENGTH + 4));
            try {
                bad.send(huge);
            } catch (IOException e) {
                // the target may already have hung up
            }
            assertThrows(IOException.class, () -> {
                Pdu pdu = bad.reader.read();
                if (pdu == null) {
                    throw new IOException("closed");
                }
            });
            good.send(good.command(0xc0, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0));
            assertEquals(512, good.readData(512).position());
        }
    }

    @Test
    void logoutIsAnsweredAndTheConnectionEnds() throws Exception {
        try (TestInitiator initiator = connect()) {
            initiator.loginNormal(TARGET);
            Pdu logout = TestInitiator.request(Opcode.LOGOUT_REQUEST | 0x40).flags(0x80).initiatorTaskTag(9)
                    .intAt(24, initiator.cmdSn);
            initiator.send(logout);
            Pdu reply = initiator.receive();
            assertEquals(Opcode.LOGOUT_RESPONSE, reply.opcode());
            assertEquals(0, reply.byteAt(2));
            assertNull(initiator.reader.read());
        }
    }

    @Test
    void withdrawingATargetEndsItsSessionsOnly() throws Exception {
        server.registry.export(TARGET + "-other", new MemoryUnit(1 << 20));
        try (TestInitiator doomed = connect(); TestInitiator other = connect()) {
            doomed.loginNormal(TARGET);
            other.loginNormal(TARGET + "-other");
            server.registry.withdraw(TARGET);
            assertNull(readOrNull(doomed));
            other.send(other.command(0xc0, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0));
            assertEquals(512, other.readData(512).position());
        }
    }

    private static Pdu readOrNull(TestInitiator initiator) {
        try {
            return initiator.reader.read();
        } catch (Exception e) {
            return null;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached in 5 s");
            Thread.sleep(20);
        }
    }

    @Test
    void digestsProtectEveryPduAndADamagedOneEndsTheConnection() throws Exception {
        try (TestInitiator initiator = connect()) {
            Pdu login = initiator.loginNormal(TARGET, "HeaderDigest", "CRC32C,None", "DataDigest", "CRC32C,None");
            String answers = StandardCharsets.UTF_8.decode(login.data()).toString();
            assertTrue(answers.contains("HeaderDigest=CRC32C") && answers.contains("DataDigest=CRC32C"), answers);
            initiator.digests(true, true);
            initiator.send(initiator.command(0xa0, 512, 0x2a, 0, 0, 0, 0, 9, 0, 0, 1, 0)
                    .data(TestInitiator.bytes(512, 0x77)));
            assertEquals(0, initiator.receive().byteAt(3), "a write with digests");
            initiator.send(initiator.command(0xc0, 512, 0x28, 0, 0, 0, 0, 9, 0, 0, 1, 0));
            assertEquals(0x77, initiator.readData(512).get(0), "a read with digests");

            Pdu nop = TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(initiator.itt++)
                    .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn);
            byte[] damaged = new byte[Pdu.BHS_LENGTH + 4];
            nop.headerBytes().duplicate().position(0).get(damaged, 0, Pdu.BHS_LENGTH);
            damaged[Pdu.BHS_LENGTH] = 0x12; // not the CRC32C of the header
            initiator.sendRaw(damaged);
            assertFalse(initiator.drain(5000), "the target must close a connection whose header digest is wrong");
        }
    }
}
