package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.snapshare.testing.MemoryUnit;

/**
 * Random and mutated PDUs against a live server on 127.0.0.1: before login,
 * after login, truncated, with lying lengths. The server must end the bad
 * connections, log no internal error, leave no connection behind, and still
 * serve a well-behaved initiator byte for byte. Bounded in count and time.
 */
class PduFuzzTest {

    private static final String TARGET = "iqn.2026-11.org.snapshare:fuzz";
    private static final int CONNECTIONS = 300;
    private static final String SEQUENCE_TARGET = TARGET + "-sequences";
    private static final int UNIT_BYTES = 16 << 20;
    private static final long TIME_LIMIT_NANOS = 60_000_000_000L;

    @Test
    void randomAndMutatedPdusNeverHurtTheServer() throws Exception {
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        Logger iscsiLog = (Logger) LoggerFactory.getLogger("org.snapshare.iscsi");
        events.start();
        iscsiLog.addAppender(events);
        TargetRegistry registry = new TargetRegistry();
        MemoryUnit unit = new MemoryUnit(1 << 20);
        registry.export(TARGET, unit);
        MemoryUnit sequenced = new MemoryUnit(UNIT_BYTES); // only dataOutSequence writes it: its checks are exact
        registry.export(SEQUENCE_TARGET, sequenced);
        try (IscsiServer server = new IscsiServer(new InetSocketAddress("127.0.0.1", 0), registry)) {
            server.start();
            long seed = new Random().nextLong();
            try {
                fuzz(server.boundAddress(), new Random(seed), sequenced);
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(0, server.connectionCount(), "connections left open after the fuzzing");
                wellBehavedRoundTrip(server.boundAddress());
            } catch (AssertionError | Exception e) {
                throw new AssertionError("fuzz test failed with seed " + seed + ": " + e, e);
            }
        } finally {
            iscsiLog.detachAppender(events);
        }
        List<String> errors = events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(errors.isEmpty(), "internal errors logged: " + errors);
    }

    private static void fuzz(InetSocketAddress portal, Random random, MemoryUnit sequenced) throws Exception {
        long deadline = System.nanoTime() + TIME_LIMIT_NANOS;
        int[] sequences = new int[2]; // refused, GOOD
        for (int i = 0; i < CONNECTIONS && System.nanoTime() < deadline; i++) {
            switch (random.nextInt(5)) {
                case 0 -> noise(portal, random);
                case 1 -> mutatedLogin(portal, random);
                case 2 -> sequences[dataOutSequence(portal, random, sequenced) ? 1 : 0]++;
                case 3 -> discoveryCommands(portal, random);
                default -> mutatedSession(portal, random);
            }
        }
        assertTrue(sequences[0] > 0 && sequences[1] > 0, "Data-Out sequences both refused and GOOD, not "
                + sequences[0] + " refused and " + sequences[1] + " GOOD");
    }

    /**
     * A write of 16 KiB answered by Data-Outs that follow the rules, but for a perturbation now and
     * then: an offset anywhere (gaps, overlaps, reordering), a wrong tag, an early or missing F bit.
     * Whatever the target answers, a GOOD write must hold exactly the bytes its Data-Outs carried
     * (the first to reach each byte), every byte of it; any other end must leave the unit as it was.
     * Returns whether the write was answered GOOD.
     */
    private static boolean dataOutSequence(InetSocketAddress portal, Random random, MemoryUnit unit)
            throws Exception {
        int length = 16384;
        int firstBurst = 8192;
        int lba = random.nextInt(UNIT_BYTES / 512 - length / 512);
        byte[] before = unit.copy(lba * 512, length);
        int[] expected = new int[length];
        java.util.Arrays.fill(expected, -1);
        boolean perturbed = random.nextInt(3) > 0;
        try (TestInitiator initiator = new TestInitiator(portal)) {
            boolean initialR2t = random.nextBoolean();
            initiator.loginNormal(SEQUENCE_TARGET, "InitialR2T", initialR2t ? "Yes" : "No", "FirstBurstLength",
                    String.valueOf(firstBurst), "ImmediateData", "No");
            Pdu write = initiator.command(initialR2t ? 0xa0 : 0x20, length, 0x2a, 0, 0, 0, lba >>> 8 & 0xff,
                    lba & 0xff, 0, 0, length / 512, 0);
            initiator.send(write);
            int ttt = Pdu.NO_TAG;
            int burstEnd = initialR2t ? 0 : firstBurst;
            int next = 0;
            int dataSn = 0;
            Pdu answer = null;
            for (int fill = 1; fill <= 40 && answer == null; fill++) {
                boolean mustWait = next >= burstEnd; // the burst is sent: the target's turn (an R2T, or the status)
                while (answer == null && (mustWait || initiator.socket.getInputStream().available() > 0)) {
                    Pdu pdu = initiator.receive();
                    if (pdu.opcode() == Opcode.R2T) {
                        ttt = pdu.targetTransferTag();
                        next = pdu.intAt(40);
                        burstEnd = next + pdu.intAt(44);
                        dataSn = 0;
                        mustWait = false;
                    } else {
                        answer = pdu;
                    }
                }
                if (answer != null) {
                    break;
                }
                boolean perturb = perturbed && random.nextInt(4) == 0;
                int offset = perturb && random.nextBoolean() ? 512 * random.nextInt(length / 512) : next;
                int size = Math.min(512 * (1 + random.nextInt(8)), Math.max(512, burstEnd - offset));
                size = Math.min(size, length - offset);
                int tag = perturb && random.nextBoolean() ? random.nextInt() : ttt;
                boolean last = offset + size >= burstEnd;
                boolean finalBit = perturb && random.nextBoolean() ? !last : last;
                initiator.send(TestInitiator.request(Opcode.DATA_OUT).flags(finalBit ? 0x80 : 0)
                        .initiatorTaskTag(write.initiatorTaskTag()).targetTransferTag(tag).dataSn(dataSn++)
                        .bufferOffset(offset).data(TestInitiator.bytes(size, fill)));
                for (int at = offset; at < offset + size; at++) {
                    if (expected[at] < 0) {
                        expected[at] = fill;
                    }
                }
                next = Math.max(next, offset + size);
                if (finalBit) {
                    burstEnd = Math.min(burstEnd, next);
                }
            }
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (answer == null && System.nanoTime() < deadline) {
                if (initiator.socket.getInputStream().available() == 0) {
                    Thread.sleep(5);
                    continue;
                }
                Pdu pdu = initiator.receive();
                answer = pdu.opcode() == Opcode.SCSI_RESPONSE ? pdu : null;
            }
            if (answer != null && answer.byteAt(3) == 0) {
                byte[] written = unit.copy(lba * 512, length);
                for (int at = 0; at < length; at++) {
                    assertEquals(expected[at], written[at], "a GOOD write holds byte " + at + " from nowhere");
                }
                return true;
            }
            assertArrayEquals(before, unit.copy(lba * 512, length), "a write not answered GOOD changed the unit");
            return false;
        } catch (IOException closedByTarget) {
            assertArrayEquals(before, unit.copy(lba * 512, length), "a write ended with its connection changed the unit");
            return false;
        }
    }

    /** A discovery session sends SCSI commands and task management: rejected, never an internal error. */
    private static void discoveryCommands(InetSocketAddress portal, Random random) throws Exception {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            java.util.Map<String, String> keys = new java.util.LinkedHashMap<>();
            keys.put("InitiatorName", "iqn.2026-11.org.fuzz:discovery");
            keys.put("SessionType", "Discovery");
            assertEquals(0, initiator.login(keys).byteAt(36));
            for (int i = 0; i < 4; i++) {
                initiator.send(random.nextBoolean()
                        ? initiator.command(0xc0, 4096, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0)
                        : TestInitiator.request(Opcode.TASK_MGMT_REQUEST | 0x40).flags(0x80 | (1 + random.nextInt(8)))
                                .initiatorTaskTag(initiator.itt++).intAt(24, initiator.cmdSn));
                int opcode = initiator.receive().opcode();
                assertTrue(opcode == Opcode.REJECT || opcode == Opcode.TASK_MGMT_RESPONSE, "answered " + opcode);
            }
        }
    }

    /** Plain random bytes instead of a login. */
    private static void noise(InetSocketAddress portal, Random random) throws IOException {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            byte[] bytes = new byte[1 + random.nextInt(600)];
            random.nextBytes(bytes);
            initiator.sendRaw(bytes);
            initiator.drain(20);
        }
    }

    private static void mutatedLogin(InetSocketAddress portal, Random random) throws IOException {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            Pdu login = TestInitiator.request(Opcode.LOGIN_REQUEST | 0x40).flags(0x80 | (1 << 2) | 3)
                    .data(TextParameters.encode(java.util.Map.of("InitiatorName", "iqn.2026-11.org.fuzz:i",
                            "TargetName", TARGET).entrySet()));
            initiator.sendRaw(mutate(wire(login), random));
            initiator.drain(20);
        }
    }

    /** A proper login, then PDUs of every kind with flipped header bytes, lying lengths or cut short. */
    private static void mutatedSession(InetSocketAddress portal, Random random) throws Exception {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            initiator.loginNormal(TARGET);
            int count = 1 + random.nextInt(8);
            for (int i = 0; i < count; i++) {
                initiator.sendRaw(mutate(wire(template(initiator, random)), random));
                if (!initiator.drain(15)) {
                    return; // the target hung up: fine
                }
            }
        } catch (IOException closedByTarget) {
            // the target may end a session at any point of a bad exchange
        }
    }

    private static Pdu template(TestInitiator initiator, Random random) {
        switch (random.nextInt(6)) {
            case 0:
                return initiator.command(0xc0, 4096, 0x28, 0, 0, 0, 0, random.nextInt(16), 0, 0, 8, 0); // READ(10)
            case 1:
                return initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, random.nextInt(16), 0, 0, 8, 0) // WRITE(10)
                        .data(TestInitiator.bytes(random.nextInt(4096), 0x5a));
            case 2:
                return TestInitiator.request(Opcode.DATA_OUT).flags(0x80).initiatorTaskTag(random.nextInt(0x200))
                        .intAt(20, Pdu.NO_TAG).intAt(40, random.nextInt(8192)).data(TestInitiator.bytes(512, 1));
            case 3:
                return TestInitiator.request(Opcode.NOP_OUT | 0x40).flags(0x80).initiatorTaskTag(initiator.itt++)
                        .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn).data(TestInitiator.bytes(64, 7));
            case 4:
                return TestInitiator.request(Opcode.TASK_MGMT_REQUEST | 0x40).flags(0x80 | (1 + random.nextInt(8)))
                        .initiatorTaskTag(initiator.itt++).intAt(20, random.nextInt(0x200)).intAt(24, initiator.cmdSn);
            default:
                return TestInitiator.request(Opcode.TEXT_REQUEST).flags(0x80).initiatorTaskTag(initiator.itt++)
                        .intAt(20, Pdu.NO_TAG).intAt(24, initiator.cmdSn++)
                        .data(TextParameters.encode(java.util.Map.of("SendTargets", "All").entrySet()));
        }
    }

    /** A PDU as it goes on the wire: header, data, padding. */
    private static byte[] wire(Pdu pdu) {
        ByteBuffer header = pdu.headerBytes();
        ByteBuffer data = pdu.data();
        int length = data.remaining();
        byte[] out = new byte[Pdu.BHS_LENGTH + length + PduReader.padding(length)];
        header.duplicate().position(0).get(out, 0, Pdu.BHS_LENGTH);
        data.duplicate().get(out, Pdu.BHS_LENGTH, length);
        return out;
    }

    private static byte[] mutate(byte[] pdu, Random random) {
        byte[] out = pdu.clone();
        switch (random.nextInt(4)) {
            case 0: // flip a few header bytes
                for (int i = 1 + random.nextInt(4); i > 0; i--) {
                    out[random.nextInt(Pdu.BHS_LENGTH)] ^= (byte) (1 + random.nextInt(255));
                }
                return out;
            case 1: // a data segment length that lies (up to 16 MiB)
                int length = random.nextInt(1 << 24);
                out[5] = (byte) (length >>> 16);
                out[6] = (byte) (length >>> 8);
                out[7] = (byte) length;
                return out;
            case 2: // cut short
                return java.util.Arrays.copyOf(out, random.nextInt(out.length));
            default: // an AHS length the PDU does not carry
                out[4] = (byte) random.nextInt(256);
                return out;
        }
    }

    private static void wellBehavedRoundTrip(InetSocketAddress portal) throws Exception {
        try (TestInitiator initiator = new TestInitiator(portal)) {
            initiator.loginNormal(TARGET);
            ByteBuffer data = TestInitiator.bytes(4096, 0x3c);
            initiator.send(initiator.command(0xa0, 4096, 0x2a, 0, 0, 0, 0, 64, 0, 0, 8, 0).data(data.duplicate()));
            assertEquals(0, initiator.receive().byteAt(3), "write status after the fuzzing");
            initiator.send(initiator.command(0xc0, 4096, 0x28, 0, 0, 0, 0, 64, 0, 0, 8, 0));
            assertArrayEquals(data.array(), initiator.readData(4096).array(), "read back after the fuzzing");
        }
    }

}
