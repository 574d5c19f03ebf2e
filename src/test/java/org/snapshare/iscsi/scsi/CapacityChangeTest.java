package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.snapshare.iscsi.scsi.ScsiCommands.assertSense;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;
import static org.snapshare.iscsi.scsi.ScsiCommands.data;
import static org.snapshare.iscsi.scsi.ScsiCommands.run;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.device.FaultInjectingDevice;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.store.SharedExceptionStore;

/** A volume resized under a logged-in initiator: CAPACITY DATA HAS CHANGED once, then READ CAPACITY's new size. */
class CapacityChangeTest {

    private static final String PORT = "iqn.2026-11.test:initiator,i,0x000000000001";
    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;

    private static long lastLba(BlockCommandProcessor processor) {
        return ByteBuffer.wrap(data(run(processor, PORT, cdb(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32),
                new byte[0]))).getLong(0);
    }

    @Test
    void initiatorsAreToldOnceAndSeeTheNewSize() throws Exception {
        FaultInjectingDevice store = new FaultInjectingDevice(16 << 20);
        SharedExceptionStore.format(store, 64 << 10, SIZE);
        try (SnapshotCore core = new SnapshotCore("v", 1, new FaultInjectingDevice(SIZE, 4 * SIZE),
                SharedExceptionStore.open(store, 1 << 20), dir.resolve("journal"))) {
            BlockCommandProcessor origin = new BlockCommandProcessor(core.origin());
            origin.nexusStarted(PORT);
            assertEquals(SIZE / 512 - 1, lastLba(origin));

            core.resize(3L * SIZE);
            origin.capacityChanged();
            assertSense(run(origin, PORT, cdb(0, 0, 0, 0, 0, 0), new byte[0]), SenseCode.CAPACITY_DATA_HAS_CHANGED);
            assertNull(run(origin, PORT, cdb(0, 0, 0, 0, 0, 0), new byte[0]).sense, "told once");
            assertEquals(3L * SIZE / 512 - 1, lastLba(origin));
            long pastTheOldEnd = SIZE / 512 + 8;
            byte[] write = cdb(0x8a, 0, 0, 0, 0, 0, (int) (pastTheOldEnd >>> 24), (int) (pastTheOldEnd >>> 16),
                    (int) (pastTheOldEnd >>> 8), (int) pastTheOldEnd, 0, 0, 0, 1);
            assertNull(run(origin, PORT, write, new byte[512]).sense, "a write past the old end");
        }
    }
}
