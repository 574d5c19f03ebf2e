package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snapshare.testing.MemoryUnit;

/**
 * Writes whose data does not all arrive, or arrives where the negotiated
 * burst rules forbid it. Before the fix, a 1 MiB write that got only its last
 * block wrote the rest of a reused buffer, holding what another target last
 * moved, and the attacker read that back (issue 25, attack 1).
 */
class WriteDataAttackTest {

    private static final String VICTIM = "iqn.2026-11.org.snapshare:victim";
    private static final String ATTACKER = "iqn.2026-11.org.snapshare:attacker";
    private static final int MIB = 1 << 20;
    private static final int MARKER = 0x5b;

    private final MemoryUnit victim = new MemoryUnit(4 * MIB);
    private final MemoryUnit attacker = new MemoryUnit(4 * MIB);
    @RegisterExtension
    final LoopbackTargets server = new LoopbackTargets().export(VICTIM, victim).export(ATTACKER, attacker);

    @Test
    void anUnsolicitedLastBlockAloneNeverWritesAnotherTargetsBytes() throws Exception {
        fillVictimAndReadItBack();
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(ATTACKER, "InitialR2T", "No", "ImmediateData", "Yes");
            Pdu write = initiator.command(0x20, MIB, 0x2a, 0, 0, 0, 0, 0, 0, 0x08, 0, 0); // F clear: data follows
            initiator.send(write);
            initiator.send(dataOut(write, Pdu.NO_TAG, 0, MIB - 512, TestInitiator.bytes(512, 0x01)));
            assertRefused(answerSkippingR2ts(initiator));
        }
        assertNoVictimBytesIn(attacker);
    }

    @Test
    void anR2tAnsweredWithOnlyItsLastBlockNeverWritesAnotherTargetsBytes() throws Exception {
        fillVictimAndReadItBack();
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(ATTACKER, "InitialR2T", "Yes", "ImmediateData", "No");
            Pdu write = initiator.command(0xa0, MIB, 0x2a, 0, 0, 0, 0, 0, 0, 0x08, 0, 0);
            initiator.send(write);
            Pdu r2t = initiator.receive();
            assertEquals(Opcode.R2T, r2t.opcode());
            int end = r2t.intAt(40) + r2t.intAt(44);
            initiator.send(dataOut(write, r2t.targetTransferTag(), 0, end - 512, TestInitiator.bytes(512, 0x01)));
            assertRefused(answerSkippingR2ts(initiator));
        }
        assertNoVictimBytesIn(attacker);
    }

    @Test
    void overlappingDataOutIsRefused() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(ATTACKER, "InitialR2T", "Yes", "ImmediateData", "No");
            Pdu write = initiator.command(0xa0, 8192, 0x2a, 0, 0, 0, 0, 0, 0, 0, 16, 0);
            initiator.send(write);
            Pdu r2t = initiator.receive();
            initiator.send(dataOut(write, r2t.targetTransferTag(), 0, 0, TestInitiator.bytes(4096, 0x02)).flags(0));
            initiator.send(dataOut(write, r2t.targetTransferTag(), 1, 0, TestInitiator.bytes(8192, 0x03)));
            assertRefused(answerSkippingR2ts(initiator));
        }
        assertEquals(0, attacker.copy(0, 8192)[4096], "nothing of the refused write reached the unit");
    }

    @Test
    void dataForAnotherR2tsTagIsRefused() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(ATTACKER, "InitialR2T", "Yes", "ImmediateData", "No");
            Pdu write = initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0);
            initiator.send(write);
            Pdu r2t = initiator.receive();
            initiator.send(dataOut(write, r2t.targetTransferTag() + 1, 0, 0, TestInitiator.bytes(4096, 0x04)));
            assertRefused(answerSkippingR2ts(initiator));
        }
    }

    @Test
    void unsolicitedDataIsRefusedWhenInitialR2tIsYes() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(ATTACKER, "InitialR2T", "Yes", "ImmediateData", "No");
            Pdu write = initiator.command(0x20, 4096, 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0);
            initiator.send(write);
            initiator.send(dataOut(write, Pdu.NO_TAG, 0, 0, TestInitiator.bytes(4096, 0x05)));
            assertRefused(answerSkippingR2ts(initiator));
        }
        assertEquals(0, attacker.copy(0, 4096)[0]);
    }

    @Test
    void immediateDataIsRefusedWhenNotNegotiated() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(ATTACKER, "ImmediateData", "No");
            initiator.send(initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0)
                    .data(TestInitiator.bytes(4096, 0x06)));
            assertRefused(answerSkippingR2ts(initiator));
        }
        assertEquals(0, attacker.copy(0, 4096)[0]);
    }

    @Test
    void unsolicitedDataBeyondTheFirstBurstIsRefused() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(ATTACKER, "InitialR2T", "No", "FirstBurstLength", "8192");
            Pdu write = initiator.command(0xa0, 16384, 0x2a, 0, 0, 0, 0, 0, 0, 0, 32, 0)
                    .data(TestInitiator.bytes(16384, 0x07));
            initiator.send(write);
            assertRefused(answerSkippingR2ts(initiator));
        }
        assertEquals(0, attacker.copy(0, 16384)[0]);
    }

    /** The rules refuse only what breaks them: a write sent by the book still lands whole. */
    @Test
    void aWriteWithImmediateUnsolicitedAndSolicitedDataLandsWhole() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(ATTACKER, "InitialR2T", "No", "ImmediateData", "Yes", "FirstBurstLength", "8192");
            Pdu write = initiator.command(0x20, 16384, 0x2a, 0, 0, 0, 0, 0, 0, 0, 32, 0)
                    .data(TestInitiator.bytes(4096, 0x11));
            initiator.send(write);
            initiator.send(dataOut(write, Pdu.NO_TAG, 0, 4096, TestInitiator.bytes(4096, 0x12)));
            Pdu r2t = initiator.receive();
            assertEquals(Opcode.R2T, r2t.opcode());
            assertEquals(8192, r2t.intAt(40), "the R2T asks for what follows the first burst");
            initiator.send(dataOut(write, r2t.targetTransferTag(), 0, 8192, TestInitiator.bytes(8192, 0x13)));
            Pdu response = initiator.receive();
            assertEquals(Opcode.SCSI_RESPONSE, response.opcode());
            assertEquals(0, response.byteAt(3), "GOOD");
        }
        byte[] written = attacker.copy(0, 16384);
        assertEquals(0x11, written[0]);
        assertEquals(0x12, written[4096]);
        assertEquals(0x13, written[8192]);
        assertEquals(0x13, written[16383]);
    }

    /** Puts a marker all over the victim and reads it, so the reused buffers last held the victim's bytes. */
    private void fillVictimAndReadItBack() throws Exception {
        try (TestInitiator initiator = new TestInitiator(server.address())) {
            initiator.loginNormal(VICTIM);
            for (int round = 0; round < 4; round++) {
                Pdu write = initiator.command(0x20, MIB, 0x2a, 0, 0, 0, 0, 0, 0, 0x08, 0, 0);
                initiator.send(write);
                writeOnR2ts(initiator, write, MARKER);
                initiator.send(initiator.command(0xc0, MIB, 0x28, 0, 0, 0, 0, 0, 0, 0x08, 0, 0));
                assertEquals(MIB, initiator.readData(MIB).position());
            }
        }
    }

    /** Answers the write's R2Ts with {@code fill} until its response, which must be GOOD. */
    static void writeOnR2ts(TestInitiator initiator, Pdu write, int fill) throws Exception {
        while (true) {
            Pdu pdu = initiator.receive();
            if (pdu.opcode() == Opcode.SCSI_RESPONSE) {
                assertEquals(0, pdu.byteAt(3), "a write answering every R2T");
                return;
            }
            assertEquals(Opcode.R2T, pdu.opcode());
            int offset = pdu.intAt(40);
            int length = pdu.intAt(44);
            int dataSn = 0;
            for (int done = 0; done < length; done += 65536) {
                int piece = Math.min(65536, length - done);
                initiator.send(dataOut(write, pdu.targetTransferTag(), dataSn++, offset + done,
                        TestInitiator.bytes(piece, fill)).flags(done + piece == length ? 0x80 : 0));
            }
        }
    }

    static Pdu dataOut(Pdu command, int ttt, int dataSn, int offset, ByteBuffer data) {
        return TestInitiator.request(Opcode.DATA_OUT).flags(0x80).initiatorTaskTag(command.initiatorTaskTag())
                .targetTransferTag(ttt).dataSn(dataSn).bufferOffset(offset).data(data);
    }

    /** The write's answer, past any R2T the target sent meanwhile. */
    static Pdu answerSkippingR2ts(TestInitiator initiator) throws Exception {
        while (true) {
            Pdu pdu = initiator.receive();
            if (pdu.opcode() != Opcode.R2T) {
                return pdu;
            }
        }
    }

    static void assertRefused(Pdu answer) {
        assertEquals(Opcode.SCSI_RESPONSE, answer.opcode(), "the write is answered, not left hanging");
        assertEquals(2, answer.byteAt(3), "CHECK CONDITION, not GOOD");
    }

    private static void assertNoVictimBytesIn(MemoryUnit unit) {
        byte[] bytes = unit.copy(0, MIB);
        int leaked = 0;
        for (byte b : bytes) {
            if (b == MARKER) {
                leaked++;
            }
        }
        assertTrue(leaked == 0, leaked + " bytes of the victim target reached the attacker's unit");
    }
}
