package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.snapshare.it.ExternalTools;
import org.snapshare.it.ServerProcess;
import org.snapshare.stream.CraftedStreams;

/**
 * The attacks of issue 25 against the packaged server in the packaged heap
 * (-Xmx256m, exiting on OutOfMemoryError as the Debian unit does), from a
 * raw-socket initiator on 127.0.0.0/8. After each, the server must be alive,
 * must have logged no OutOfMemoryError, and must serve a fresh login and
 * READ. Not one byte of another target may be read back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileNetworkIT {

    private static final int MIB = 1 << 20;
    private static final int MARKER = 0x6d;
    private ServerProcess server;
    private InetSocketAddress portal;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("hostile");
        server = new ServerProcess(dir.resolve("data"), List.of("java", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-jar", ServerProcess.jar())).start();
        server.cli("volume", "create", "victim", "--size", "64M").assertSuccess("create the victim's volume");
        portal = new InetSocketAddress("127.0.0.1", server.port);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @AfterEach
    void serverSurvived() throws Exception {
        assertTrue(server.alive(), "the server died:\n" + server.log());
        assertFalse(server.log().contains("OutOfMemoryError"), server.log());
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) { // a fresh login and READ within 20 s
            try (TestInitiator initiator = new TestInitiator(portal)) {
                initiator.loginNormal(ServerProcess.IQN + "vol0");
                initiator.send(initiator.command(0xc0, 4096, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0));
                assertEquals(4096, initiator.readData(4096).position());
                return;
            } catch (Exception | AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no login and READ served within 20 s after the attack", e);
                }
                Thread.sleep(200);
            }
        }
    }

    @Test
    void attack1AWriteWithOnlyItsLastBlockReadsBackNothingOfAnotherTarget() throws Exception {
        try (TestInitiator victim = new TestInitiator(portal)) {
            victim.loginNormal(ServerProcess.IQN + "victim");
            for (int round = 0; round < 8; round++) {
                Pdu write = victim.command(0x20, MIB, 0x2a, 0, 0, 0, 0, 0, 0, 0x08, 0, 0);
                victim.send(write);
                WriteDataAttackTest.writeOnR2ts(victim, write, MARKER);
                victim.send(victim.command(0xc0, MIB, 0x28, 0, 0, 0, 0, 0, 0, 0x08, 0, 0));
                victim.readData(MIB);
            }
        }
        try (TestInitiator attacker = new TestInitiator(portal)) {
            attacker.loginNormal(ServerProcess.IQN + "vol0", "InitialR2T", "No");
            Pdu unsolicited = attacker.command(0x20, MIB, 0x2a, 0, 0, 0, 0, 0, 0, 0x08, 0, 0);
            attacker.send(unsolicited);
            attacker.send(WriteDataAttackTest.dataOut(unsolicited, Pdu.NO_TAG, 0, MIB - 512,
                    TestInitiator.bytes(512, 1)));
            WriteDataAttackTest.assertRefused(WriteDataAttackTest.answerSkippingR2ts(attacker));

            Pdu solicited = attacker.command(0xa0, MIB, 0x2a, 0, 0, 0, 0, 0, 0, 0x08, 0, 0);
            attacker.send(solicited);
            Pdu r2t = attacker.receive();
            assertEquals(Opcode.R2T, r2t.opcode());
            int end = r2t.intAt(40) + r2t.intAt(44);
            attacker.send(WriteDataAttackTest.dataOut(solicited, r2t.targetTransferTag(), 0, end - 512,
                    TestInitiator.bytes(512, 1)));
            WriteDataAttackTest.assertRefused(WriteDataAttackTest.answerSkippingR2ts(attacker));

            attacker.send(attacker.command(0xc0, MIB, 0x28, 0, 0, 0, 0, 0, 0, 0x08, 0, 0));
            ByteBuffer readBack = attacker.readData(MIB).flip();
            int leaked = 0;
            while (readBack.hasRemaining()) {
                leaked += readBack.get() == MARKER ? 1 : 0;
            }
            assertEquals(0, leaked, "bytes of the victim's target read back through vol0");
        }
    }

    @Test
    void attack2LoginTextFloodsAreCutOff() throws Exception {
        List<TestInitiator> flooders = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                flooders.add(new TestInitiator(portal));
            }
            for (TestInitiator flooder : flooders) { // all eight pending at once
                flooder.beginLoginFlood();
            }
            for (TestInitiator flooder : flooders) {
                TestInitiator.FloodOutcome flood = flooder.continueLoginFlood(8L << 20);
                assertTrue(flood.bytesSent() <= 2 * LoginPhase.MAX_TEXT, "login text grew past its cap");
                assertEquals(2, flood.statusClass(), "refused as an initiator error");
                assertFalse(flooder.drain(5000), "closed after the refusal");
            }
        } finally {
            for (TestInitiator flooder : flooders) {
                flooder.close();
            }
        }
    }

    @Test
    void attack3IdleConnectionsFromOneAddressDoNotKeepOthersOut() throws Exception {
        InetAddress attacker = InetAddress.getByName("127.0.0.2");
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 256; i++) {
                Socket socket = new Socket(portal.getAddress(), portal.getPort(), attacker, 0);
                socket.setSoTimeout(25_000);
                idle.add(socket);
            }
            serverSurvived(); // a real initiator from another address logs in while they are held
            for (Socket socket : idle) {
                assertEquals(-1, socket.getInputStream().read(), "refused at once, or closed by the login timeout");
            }
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void attack4WritesWithoutDataFindTheTaskSetFullInsteadOfExhaustingTheHeap() throws Exception {
        List<TestInitiator> hoarders = new ArrayList<>();
        try {
            int r2ts = 0;
            int full = 0;
            for (int session = 0; session < 4; session++) {
                TestInitiator hoarder = new TestInitiator(portal);
                hoarders.add(hoarder);
                hoarder.loginNormal(ServerProcess.IQN + "vol0", "InitialR2T", "Yes");
                for (int i = 0; i < 100; i++) { // WRITE(16) of 4 MiB, data never sent
                    hoarder.send(hoarder.command(0xa0, 4 * MIB, 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0,
                            0));
                    Pdu answer = hoarder.receive();
                    if (answer.opcode() == Opcode.R2T) {
                        r2ts++;
                    } else {
                        assertEquals(0x28, answer.byteAt(3), "TASK SET FULL");
                        full++;
                    }
                }
            }
            assertEquals(400, r2ts + full);
            assertTrue(r2ts * 4L * MIB < 256L * MIB, r2ts + " writes of 4 MiB were given buffers in a 256 MiB heap");
            serverSurvived(); // while the hoarders still hold their buffers
        } finally {
            for (TestInitiator hoarder : hoarders) {
                hoarder.close();
            }
        }
    }

    @Test
    void attack5AStreamWhoseRecordOverflowsChangesNothing() throws Exception {
        Path crafted = Files.createTempFile("crafted", ".stream");
        Files.write(crafted, CraftedStreams.overflowingFullStream());
        ExternalTools.Result refused = server.cli("snapshot", "import", "crafted", "--input", crafted.toString());
        assertEquals(1, refused.exitCode, refused.output);
        assertTrue(refused.output.contains("past the volume's"), refused.output);
        String volumes = server.cli("volume", "list").assertSuccess("volume list").output;
        assertFalse(volumes.contains("crafted"), "the refused stream created its volume:\n" + volumes);
        assertFalse(server.cli("status").assertSuccess("status").output.contains("APPLYING"));
    }
}
