package org.snapshare.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.snapshare.iscsi.scsi.ScsiCommands.assertSense;
import static org.snapshare.iscsi.scsi.ScsiCommands.cdb;
import static org.snapshare.iscsi.scsi.ScsiCommands.data;

import org.junit.jupiter.api.Test;
import org.snapshare.testing.MemoryUnit;

/** REPORT SUPPORTED OPERATION CODES tells the truth: its table and the dispatcher agree. */
class SupportedCommandsTest {

    private static final String PORT = "iqn.2026-11.test:initiator,i,0x000000000001";
    private final BlockCommandProcessor processor = new BlockCommandProcessor(new MemoryUnit(64 * 512));

    private static boolean refusedAsUnknown(ScsiResult result) {
        SenseCode unknown = SenseCode.INVALID_COMMAND_OPERATION_CODE;
        return result.status == ScsiResult.CHECK_CONDITION
                && (result.sense[12] & 0xff) == unknown.asc && (result.sense[13] & 0xff) == unknown.ascq;
    }

    @Test
    void everyOpcodeTheDispatcherKnowsIsReportedAndNoOther() {
        assertDispatcherMatchesReport(processor, SupportedCommands.forUnit(false, false));
        assertDispatcherMatchesReport(new BlockCommandProcessor(MemoryUnit.thin(64 * 512)), SupportedCommands.forUnit(true, false));
    }

    private static void assertDispatcherMatchesReport(BlockCommandProcessor processor, SupportedCommands supported) {
        for (int opcode = 0; opcode < 256; opcode++) {
            byte[] cdb = cdb(opcode);
            int op = opcode;
            boolean reported = supported.offered().stream().anyMatch(c -> c.opcode == op);
            if (supported.hasServiceActions(opcode)) {
                cdb[1] = (byte) supported.offered().stream().filter(c -> c.opcode == op).findFirst()
                        .orElseThrow().serviceAction;
            }
            ScsiResult result = processor.plan(PORT, cdb).complete(java.nio.ByteBuffer.allocate(4096));
            assertEquals(!reported, refusedAsUnknown(result), String.format("opcode 0x%02x", opcode));
        }
    }

    private ScsiResult report(int options, int opcode, int serviceAction) {
        return ScsiCommands.run(processor, PORT,
                cdb(0xa3, 0x0c, 0x80 | options, opcode, 0, serviceAction, 0, 0, 0x10, 0), new byte[0]);
    }

    @Test
    void allCommandsCarryUsageLengthsAndTimeoutDescriptors() {
        byte[] all = data(report(0, 0, 0));
        SupportedCommands supported = SupportedCommands.forUnit(false, false);
        int descriptors = supported.offered().size();
        assertEquals(descriptors * 20, Cdb.u32(all, 0));
        for (int i = 0; i < descriptors; i++) {
            int at = 4 + 20 * i;
            SupportedCommands.Command command = supported.find(all[at] & 0xff, Cdb.u16(all, at + 2));
            assertNotNull(command);
            assertEquals(command.usage.length, Cdb.u16(all, at + 6));
            assertEquals(0x0a, Cdb.u16(all, at + 8), "timeouts descriptor length");
        }
    }

    @Test
    void oneCommandReportsItsUsageDataAndServiceActionsAreAskedForSeparately() {
        byte[] read10 = data(report(1, 0x28, 0));
        assertEquals(0x83, read10[1] & 0xff, "CTDP, supported");
        assertEquals(10, Cdb.u16(read10, 2));
        assertEquals(0x28, read10[4] & 0xff);
        assertSense(report(1, 0x5e, 0), SenseCode.INVALID_FIELD_IN_CDB);
        assertSense(report(2, 0x28, 0), SenseCode.INVALID_FIELD_IN_CDB);
        assertEquals(0x5e, data(report(2, 0x5e, 3))[4] & 0xff);
        assertEquals(0x01, data(report(1, 0xc5, 0))[1], "not supported");
    }
}
