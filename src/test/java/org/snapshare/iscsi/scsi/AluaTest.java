package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.snapshare.iscsi.scsi.ScsiCommands.assertSense;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;
import static org.snapshare.iscsi.scsi.ScsiCommands.data;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.snapshare.testing.MemoryUnit;

/** ALUA as a clustered unit reports it: TPGS, the port designators of VPD 0x83, REPORT TARGET PORT GROUPS. */
class AluaTest {

    private static final String PORT = "iqn.2026-11.test:initiator,i,0x000000000001";

    /** Node 2 answers; the lock holder is node {@code holder}. */
    private static final class TwoNodes implements TargetPortGroups {
        volatile int holder = 1;

        @Override
        public int local() {
            return 2;
        }

        @Override
        public List<PortGroup> groups() {
            return List.of(group(1), group(2));
        }

        private PortGroup group(int id) {
            return new PortGroup(id, id == holder ? AccessState.ACTIVE_OPTIMIZED : AccessState.ACTIVE_NON_OPTIMIZED);
        }
    }

    private final TwoNodes nodes = new TwoNodes();
    private final BlockCommandProcessor clustered;
    private final BlockCommandProcessor single = new BlockCommandProcessor(new MemoryUnit(1 << 20));

    AluaTest() throws Exception {
        ReservationStore none = new ReservationStore() {
            @Override
            public Optional<String> load() {
                return Optional.empty();
            }

            @Override
            public void save(String state) {
                // nothing kept
            }
        };
        clustered = BlockCommandProcessor.withReservationStore(new MemoryUnit(1 << 20), none, nodes);
    }

    private static ScsiResult run(BlockCommandProcessor processor, byte[] cdb) {
        return ScsiCommands.run(processor, PORT, cdb, new byte[0]);
    }

    private static byte[] rtpg(BlockCommandProcessor processor, int format) {
        return data(run(processor, cdb(0xa3, (format << 5) | 0x0a, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0)));
    }

    @Test
    void standardInquirySaysImplicitAluaOnlyWhenClustered() {
        assertEquals(0x10, data(run(clustered, cdb(0x12, 0, 0, 0, 96, 0)))[5] & 0x30);
        assertEquals(0x00, data(run(single, cdb(0x12, 0, 0, 0, 96, 0)))[5] & 0x30);
    }

    @Test
    void deviceIdentificationNamesThePortAndItsGroup() {
        byte[] page = data(run(clustered, cdb(0x12, 1, 0x83, 0, 255, 0)));
        Integer relativePort = null;
        Integer group = null;
        for (int at = 4; at < page.length; at += 4 + (page[at + 3] & 0xff)) {
            int association = (page[at + 1] >> 4) & 0x3;
            int type = page[at + 1] & 0x0f;
            int value = ((page[at + 6] & 0xff) << 8) | (page[at + 7] & 0xff);
            if (association == 1 && type == 4) {
                relativePort = value;
            } else if (association == 1 && type == 5) {
                group = value;
            }
        }
        assertEquals(2, relativePort);
        assertEquals(2, group);
        byte[] singlePage = data(run(single, cdb(0x12, 1, 0x83, 0, 255, 0)));
        for (int at = 4; at < singlePage.length; at += 4 + (singlePage[at + 3] & 0xff)) {
            assertEquals(0, (singlePage[at + 1] >> 4) & 0x3, "a single node names only the logical unit");
        }
    }

    @Test
    void reportTargetPortGroupsFollowsTheLockHolder() {
        for (int holder = 1; holder <= 2; holder++) {
            nodes.holder = holder;
            for (int format = 0; format <= 1; format++) {
                ByteBuffer data = ByteBuffer.wrap(rtpg(clustered, format));
                int header = format == 0 ? 4 : 8;
                assertEquals(data.capacity() - 4, data.getInt(0), "return data length");
                assertEquals(header + 2 * 12, data.capacity());
                if (format == 1) {
                    assertEquals(0x10, data.get(4), "extended header, format type 1");
                }
                for (int i = 0; i < 2; i++) {
                    int at = header + 12 * i;
                    int group = data.getShort(at + 2);
                    assertEquals(group == holder ? 0 : 1, data.get(at) & 0x0f, "state of group " + group);
                    assertEquals(0x03, data.get(at + 1) & 0xff, "AO_SUP and AN_SUP");
                    assertEquals(1, data.get(at + 7), "one port per group");
                    assertEquals(group, data.getShort(at + 10), "its relative port is the group number");
                }
            }
        }
        assertSense(run(single, cdb(0xa3, 0x0a, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0)), SenseCode.INVALID_FIELD_IN_CDB);
        assertSense(run(clustered, cdb(0xa3, 0x4a, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0)), SenseCode.INVALID_FIELD_IN_CDB);
    }

    @Test
    void aStateChangeIsAUnitAttentionForEveryNexus() {
        clustered.nexusStarted(PORT);
        assertNull(run(clustered, cdb(0, 0, 0, 0, 0, 0)).sense);
        clustered.accessStateChanged();
        ScsiResult told = run(clustered, cdb(0, 0, 0, 0, 0, 0));
        assertNotNull(told.sense);
        assertSense(told, SenseCode.ASYMMETRIC_ACCESS_STATE_CHANGED);
        assertNull(run(clustered, cdb(0, 0, 0, 0, 0, 0)).sense);
    }
}
