package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;
import static org.snapshare.iscsi.scsi.ScsiCommands.reserveIn;
import static org.snapshare.iscsi.scsi.ScsiCommands.reserveOut;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /** Two port groups; which is optimized does not matter here. */
    private static TargetPortGroups groups(int local) {
        return new TargetPortGroups() {
            @Override
            public int local() {
                return local;
            }

            @Override
            public List<PortGroup> groups() {
                return List.of(new PortGroup(1, AccessState.ACTIVE_OPTIMIZED),
                        new PortGroup(2, AccessState.ACTIVE_NON_OPTIMIZED));
            }
        };
    }

    @BeforeEach
    void start() throws Exception {
        zookeeper = new TestingServer(true);
        FaultInjectingDevice origin = new FaultInjectingDevice(SIZE);
        FaultInjectingDevice store = new FaultInjectingDevice(2 << 20);
        SharedExceptionStore.format(store, CHUNK, SIZE);
        MemoryReservationStore reservations = new MemoryReservationStore();
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
