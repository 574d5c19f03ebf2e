package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.snapshare.iscsi.scsi.ScsiCommands.assertSense;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;
import static org.snapshare.iscsi.scsi.ScsiCommands.reserveIn;
import static org.snapshare.iscsi.scsi.ScsiCommands.reserveOut;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.store.SharedExceptionStore;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.testing.NodeCachingDevice;

/**
 * Persistent reservations of a volume served by two nodes (a real ZooKeeper
 * lock, shared devices seen through per-node caches, one shared reservation
 * store): what an initiator reserves through one node binds initiators on the
 * other, and letting go through one frees the other.
 */
class SharedReservationsTest {

    private static final String HOLDER = "iqn.2026-11.test:holder,i,0x000000000001";
    private static final String OTHER = "iqn.2026-11.test:other,i,0x000000000002";
    private static final int CHUNK = 4096;
    private static final int SIZE = 64 * CHUNK;

    @TempDir
    Path dir;
    private TestingServer zookeeper;
    private final ZooKeeperCluster[] clusters = new ZooKeeperCluster[2];
    private final SnapshotCore[] cores = new SnapshotCore[2];
    private final BlockCommandProcessor[] nodes = new BlockCommandProcessor[2];
    private MemoryReservationStore reservations;

    /** The port groups of the nodes alive now (a node that left drops out); which is optimized does not matter. */
    private final List<TargetPortGroups.PortGroup> alive = new CopyOnWriteArrayList<>(List.of(
            new TargetPortGroups.PortGroup(1, TargetPortGroups.AccessState.ACTIVE_OPTIMIZED),
            new TargetPortGroups.PortGroup(2, TargetPortGroups.AccessState.ACTIVE_NON_OPTIMIZED)));

    private TargetPortGroups groups(int local) {
        return new TargetPortGroups() {
            @Override
            public int local() {
                return local;
            }

            @Override
            public List<PortGroup> groups() {
                return List.copyOf(alive);
            }
        };
    }

    @BeforeEach
    void start() throws Exception {
        zookeeper = new TestingServer(true);
        FaultInjectingDevice origin = new FaultInjectingDevice(SIZE);
        FaultInjectingDevice store = new FaultInjectingDevice(2 << 20);
        SharedExceptionStore.format(store, CHUNK, SIZE);
        reservations = new MemoryReservationStore();
        for (int i = 0; i < 2; i++) {
            clusters[i] = ZooKeeperCluster.connect(zookeeper.getConnectString(), "node" + i, Duration.ofSeconds(4),
                    Duration.ofSeconds(10));
            cores[i] = new SnapshotCore("vol", 7, new NodeCachingDevice(origin, true),
                    SharedExceptionStore.open(new NodeCachingDevice(store, true), 1 << 20), dir.resolve("journal"),
                    clusters[i].lockFor("vol"), Duration.ofSeconds(20));
            nodes[i] = BlockCommandProcessor.withReservationStore(cores[i].origin(), reservations, groups(i + 1));
        }
    }

    @AfterEach
    void stop() throws IOException {
        for (int i = 0; i < 2; i++) {
            cores[i].close();
            clusters[i].close();
        }
        zookeeper.close();
    }

    private static int write(BlockCommandProcessor node, String port) {
        return ScsiCommands.run(node, port, cdb(0x2a, 0, 0, 0, 0, 8, 0, 0, 1), new byte[512]).status;
    }

    private static int read(BlockCommandProcessor node, String port) {
        return ScsiCommands.run(node, port, cdb(0x28, 0, 0, 0, 0, 8, 0, 0, 1), new byte[0]).status;
    }

    private static ScsiResult testUnitReady(BlockCommandProcessor node, String port) {
        return ScsiCommands.run(node, port, cdb(0x00), new byte[0]);
    }

    private static int reserve6(BlockCommandProcessor node, String port) {
        return ScsiCommands.run(node, port, cdb(0x16), new byte[0]).status;
    }

    private static int release6(BlockCommandProcessor node, String port) {
        return ScsiCommands.run(node, port, cdb(0x17), new byte[0]).status;
    }

    /** Both initiators logged in through both nodes, as multipath does. */
    private void logInEverywhere() {
        for (BlockCommandProcessor node : nodes) {
            node.nexusStarted(HOLDER);
            node.nexusStarted(OTHER);
        }
    }

    @Test
    void aReserveMadeThroughOneNodeBindsEveryOtherNexusUntilReleased() {
        logInEverywhere();
        assertEquals(ScsiResult.GOOD, reserve6(nodes[0], HOLDER));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, reserve6(nodes[1], OTHER), "RESERVE through the other node");
        assertEquals(ScsiResult.RESERVATION_CONFLICT, testUnitReady(nodes[1], OTHER).status,
                "TEST UNIT READY through the other node");
        assertEquals(ScsiResult.RESERVATION_CONFLICT, write(nodes[1], OTHER));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, read(nodes[1], HOLDER),
                "the holder's initiator port through another node is another I_T nexus");
        assertEquals(ScsiResult.GOOD, write(nodes[0], HOLDER));
        assertEquals(ScsiResult.GOOD, release6(nodes[1], OTHER), "a RELEASE by another nexus changes nothing");
        assertEquals(ScsiResult.RESERVATION_CONFLICT, testUnitReady(nodes[1], OTHER).status);

        assertEquals(ScsiResult.GOOD, release6(nodes[0], HOLDER));
        assertEquals(ScsiResult.GOOD, testUnitReady(nodes[1], OTHER).status);
        assertEquals(ScsiResult.GOOD, reserve6(nodes[1], OTHER), "released through one node, still held on the other");
        assertEquals(ScsiResult.RESERVATION_CONFLICT, testUnitReady(nodes[0], HOLDER).status);
    }

    @Test
    void aReserveEndsWithItsNexusOnWhicheverNodeTheNextCommandComes() {
        logInEverywhere();
        assertEquals(ScsiResult.GOOD, reserve6(nodes[0], HOLDER));
        nodes[0].nexusLost(HOLDER); // logout or a dropped connection
        assertEquals(ScsiResult.GOOD, testUnitReady(nodes[1], OTHER).status);
        assertEquals(ScsiResult.GOOD, reserve6(nodes[1], OTHER));
    }

    @Test
    void aReserveHeldThroughANodeThatLeftTheClusterNoLongerBinds() throws InterruptedException {
        logInEverywhere();
        assertEquals(ScsiResult.GOOD, reserve6(nodes[0], HOLDER));
        assertEquals(ScsiResult.RESERVATION_CONFLICT, reserve6(nodes[1], OTHER));
        alive.removeIf(group -> group.id() == 1); // node 0 crashed: its nexuses are gone with it
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos(); // liveness is checked once a second
        int status;
        while ((status = reserve6(nodes[1], OTHER)) != ScsiResult.GOOD && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(ScsiResult.GOOD, status, "the RESERVE of a node that left still binds");
    }

    @Test
    void aLogicalUnitResetThroughOneNodeReachesTheNexusesOfTheOther() {
        logInEverywhere();
        assertEquals(ScsiResult.GOOD, reserve6(nodes[0], HOLDER));
        nodes[0].reset(false);
        assertSense(testUnitReady(nodes[1], OTHER), SenseCode.LOGICAL_UNIT_RESET);
        assertEquals(ScsiResult.GOOD, testUnitReady(nodes[1], OTHER).status, "reported once");
        assertSense(ScsiCommands.run(nodes[1], HOLDER, cdb(0x28, 0, 0, 0, 0, 8, 0, 0, 1), new byte[0]),
                SenseCode.LOGICAL_UNIT_RESET);
        assertEquals(ScsiResult.GOOD, reserve6(nodes[1], OTHER), "the reset ended the RESERVE everywhere");
        assertSense(testUnitReady(nodes[0], HOLDER), SenseCode.LOGICAL_UNIT_RESET);
    }

    @Test
    void aNexusPreemptedThroughOneNodeIsToldOnTheOther() {
        logInEverywhere();
        assertEquals(ScsiResult.GOOD, reserveOut(nodes[1], OTHER, 0, 0, 0, 0x111, 0).status); // REGISTER
        assertEquals(ScsiResult.GOOD, reserveOut(nodes[0], HOLDER, 0, 0, 0, 0x222, 0).status);
        assertEquals(ScsiResult.GOOD, reserveOut(nodes[0], HOLDER, 4, Reservations.WRITE_EXCLUSIVE, 0x222, 0x111, 0)
                .status); // PREEMPT the other's registration
        // Registrations hold for every target port (ATP_C), so the initiator port's nexuses on both nodes are told.
        assertSense(testUnitReady(nodes[1], OTHER), SenseCode.REGISTRATIONS_PREEMPTED);
        assertSense(testUnitReady(nodes[0], OTHER), SenseCode.REGISTRATIONS_PREEMPTED);
        assertEquals(ScsiResult.GOOD, testUnitReady(nodes[1], HOLDER).status, "the preempting nexus is not told");
    }

    @Test
    void reservationsWithoutAptplEndWhenTheWholeClusterRestartsNotWhenOneNodeDoes() throws IOException {
        assertEquals(ScsiResult.GOOD, reserveOut(nodes[0], HOLDER, 0, 0, 0, 0xabc, 0).status); // REGISTER, no APTPL
        BlockCommandProcessor restarted = BlockCommandProcessor.withReservationStore(cores[1].origin(), reservations,
                groups(2)); // node 1 restarts while node 0 serves
        assertEquals(8, Cdb.u32(reserveIn(restarted, OTHER, 0), 4), "one node's restart dropped a registration");

        alive.removeIf(group -> group.id() == 1); // now node 1 comes up alone: the cluster restarted
        BlockCommandProcessor first = BlockCommandProcessor.withReservationStore(cores[1].origin(), reservations,
                groups(2));
        assertEquals(0, Cdb.u32(reserveIn(first, OTHER, 0), 4), "a registration without APTPL outlived the cluster");
        assertEquals(0, Cdb.u32(reserveIn(nodes[0], OTHER, 0), 4), "the shared state still holds it");

        assertEquals(ScsiResult.GOOD, reserveOut(first, HOLDER, 0, 0, 0, 0xdef, 1).status); // REGISTER with APTPL
        BlockCommandProcessor again = BlockCommandProcessor.withReservationStore(cores[1].origin(), reservations,
                groups(2));
        assertEquals(8, Cdb.u32(reserveIn(again, OTHER, 0), 4), "APTPL asked for it to survive");
    }

    @Test
    void aNodeStartedLaterIsNotToldOfWhatHappenedBeforeIt() throws IOException {
        logInEverywhere();
        nodes[0].reset(false);
        BlockCommandProcessor late = BlockCommandProcessor.withReservationStore(cores[1].origin(), reservations,
                groups(2));
        late.nexusStarted(OTHER);
        assertEquals(ScsiResult.GOOD, testUnitReady(late, OTHER).status);
    }

    @Test
    void aPathCheckerOnTheOtherNodeLeavesTheLockWhereItIs() {
        assertEquals(ScsiResult.GOOD, write(nodes[0], HOLDER));
        assertEquals(true, cores[0].lockStatus().held());
        // On a loaded machine the second node may take the lock first at start, and this write took it back.
        long handovers = cores[0].lockStatus().handovers();
        for (int i = 0; i < 3; i++) { // multipath's TEST UNIT READY, READ CAPACITY on the non-optimized path
            assertEquals(ScsiResult.GOOD, ScsiCommands.run(nodes[1], OTHER, cdb(0x00), new byte[0]).status);
            assertEquals(ScsiResult.GOOD, ScsiCommands.run(nodes[1], OTHER, cdb(0x25), new byte[0]).status);
        }
        assertEquals(true, cores[0].lockStatus().held(), "a status command pulled the lock to the other node");
        assertEquals(handovers, cores[0].lockStatus().handovers());
    }

    @Test
    void aReservationMadeThroughOneNodeBindsTheOther() {
        assertEquals(ScsiResult.GOOD, reserveOut(nodes[0], HOLDER, 0, 0, 0, 0xabc, 0).status); // REGISTER
        assertEquals(ScsiResult.GOOD, reserveOut(nodes[0], HOLDER, 1, Reservations.WRITE_EXCLUSIVE, 0xabc, 0, 0)
                .status); // RESERVE
        assertEquals(ScsiResult.RESERVATION_CONFLICT, write(nodes[1], OTHER), "the other node let a write past");
        assertEquals(ScsiResult.GOOD, read(nodes[1], OTHER), "write exclusive lets others read");
        assertEquals(ScsiResult.GOOD, write(nodes[1], HOLDER), "the holder writes through either node");
        byte[] reservation = reserveIn(nodes[1], OTHER, 1); // READ RESERVATION through the other node
        assertEquals(0xabc, Cdb.u64(reservation, 8), "the other node reports the holder's key");
        assertEquals(Reservations.WRITE_EXCLUSIVE, reservation[21] & 0x0f);

        assertEquals(ScsiResult.GOOD, reserveOut(nodes[1], HOLDER, 2, Reservations.WRITE_EXCLUSIVE, 0xabc, 0, 0)
                .status); // RELEASE, through the other node this time
        assertEquals(ScsiResult.GOOD, write(nodes[0], OTHER), "released through one node, still held on the other");
        assertEquals(ScsiResult.GOOD, reserveOut(nodes[0], HOLDER, 0, 0, 0xabc, 0, 0).status); // unregister
        assertEquals(0, Cdb.u32(reserveIn(nodes[1], OTHER, 0), 4), "no key left registered");
    }
}
