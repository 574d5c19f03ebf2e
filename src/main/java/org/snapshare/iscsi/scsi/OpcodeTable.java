package org.snapshare.iscsi.scsi;

import static org.snapshare.iscsi.scsi.CommandAccess.ALWAYS;
import static org.snapshare.iscsi.scsi.CommandAccess.LEGACY_RESERVE;
import static org.snapshare.iscsi.scsi.CommandAccess.PERSISTENT_RESERVE;
import static org.snapshare.iscsi.scsi.CommandAccess.READ;
import static org.snapshare.iscsi.scsi.CommandAccess.STATUS;
import static org.snapshare.iscsi.scsi.CommandAccess.WRITE;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every opcode {@link BlockCommandProcessor} carries out, one row each (as
 * tgt's per-command-set ops[] tables do): its handler, how it stands toward
 * reservations, whether a pending unit attention goes before it, and its CDB
 * usage data for REPORT SUPPORTED OPERATION CODES (SPC-4, 6.35.3: the bits of
 * each CDB byte the device server looks at). Everything the processor knows
 * of an opcode is here.
 */
final class OpcodeTable {

    /** Carries out one command of the row's opcode on {@code processor}. */
    @FunctionalInterface
    interface Handler {
        CommandPlan run(BlockCommandProcessor processor, String initiatorPort, byte[] cdb) throws ScsiException;
    }

    /**
     * One opcode. {@code unitAttentionFirst}: a pending unit attention is
     * reported instead of running it (all but INQUIRY, REPORT LUNS and
     * REQUEST SENSE, SPC-4 5.10.3).
     */
    record Opcode(int code, String name, CommandAccess access, boolean unitAttentionFirst, Handler handler,
            List<SupportedCommands.Command> usage) {
    }

    private static final Opcode[] BY_CODE = new Opcode[256];

    private OpcodeTable() {
    }

    static {
        row(0x00, "TEST UNIT READY", STATUS, (p, port, cdb) -> CommandPlan.finished(ScsiResult.good()),
                "00 00 00 00 00 00");
        noAttention(0x03, "REQUEST SENSE", ALWAYS, (p, port, cdb) -> CommandPlan.finished(p.requestSense(port, cdb)),
                "03 01 00 00 ff 00");
        row(0x08, "READ (6)", READ, BlockCommandProcessor::read, "08 1f ff ff ff 00");
        row(0x0a, "WRITE (6)", WRITE, BlockCommandProcessor::write, "0a 1f ff ff ff 00");
        noAttention(0x12, "INQUIRY", ALWAYS, (p, port, cdb) -> CommandPlan.finished(p.inquiry.execute(cdb)),
                "12 03 ff ff ff 00");
        row(0x15, "MODE SELECT (6)", WRITE, (p, port, cdb) -> p.modeSelect.execute(port, cdb), "15 11 00 00 ff 00");
        row(0x16, "RESERVE (6)", LEGACY_RESERVE, BlockCommandProcessor::legacyReserve, "16 01 00 00 00 00");
        row(0x17, "RELEASE (6)", LEGACY_RESERVE, BlockCommandProcessor::legacyRelease, "17 00 00 00 00 00");
        row(0x1a, "MODE SENSE (6)", READ, BlockCommandProcessor::modeSense, "1a 08 ff ff ff 00");
        row(0x1b, "START STOP UNIT", WRITE, (p, port, cdb) -> CommandPlan.finished(ScsiResult.good()), // nothing spins
                "1b 01 00 00 00 00");
        row(0x25, "READ CAPACITY (10)", STATUS,
                (p, port, cdb) -> CommandPlan.finished(CapacityCommands.readCapacity10(p.device)),
                "25 00 00 00 00 00 00 00 00 00");
        row(0x28, "READ (10)", READ, BlockCommandProcessor::read, "28 f8 ff ff ff ff 00 ff ff 00");
        row(0x2a, "WRITE (10)", WRITE, BlockCommandProcessor::write, "2a f8 ff ff ff ff 00 ff ff 00");
        row(0x2e, "WRITE AND VERIFY (10)", WRITE, BlockCommandProcessor::writeAndVerify,
                "2e f2 ff ff ff ff 00 ff ff 00");
        row(0x2f, "VERIFY (10)", READ, BlockCommandProcessor::verify, "2f f6 ff ff ff ff 00 ff ff 00");
        row(0x34, "PRE-FETCH (10)", READ, BlockCommandProcessor::preFetch, "34 02 ff ff ff ff 00 ff ff 00");
        row(0x35, "SYNCHRONIZE CACHE (10)", WRITE, BlockCommandProcessor::synchronizeCache,
                "35 02 ff ff ff ff 00 ff ff 00");
        row(0x37, "READ DEFECT DATA (10)", READ, BlockCommandProcessor::readDefectData,
                "37 00 1f 00 00 00 00 ff ff 00");
        row(0x41, "WRITE SAME (10)", WRITE, BlockCommandProcessor::writeSame, "41 f8 ff ff ff ff 00 ff ff 00");
        row(0x42, "UNMAP", WRITE, BlockCommandProcessor::unmap, "42 00 00 00 00 00 00 ff ff 00"); // thin units only
        row(0x55, "MODE SELECT (10)", WRITE, (p, port, cdb) -> p.modeSelect.execute(port, cdb),
                "55 11 00 00 00 00 00 ff ff 00");
        row(0x56, "RESERVE (10)", LEGACY_RESERVE, BlockCommandProcessor::legacyReserve,
                "56 12 00 00 00 00 00 00 00 00");
        row(0x57, "RELEASE (10)", LEGACY_RESERVE, BlockCommandProcessor::legacyRelease,
                "57 00 00 00 00 00 00 00 00 00");
        row(0x5a, "MODE SENSE (10)", READ, BlockCommandProcessor::modeSense, "5a 18 ff ff 00 00 00 ff ff 00");
        withActions(0x5e, "PERSISTENT RESERVE IN", PERSISTENT_RESERVE,
                (p, port, cdb) -> CommandPlan.finished(p.persistentReserve.in(cdb)), range(0, 3),
                "5e 1f 00 00 00 00 00 ff ff 00");
        withActions(0x5f, "PERSISTENT RESERVE OUT", PERSISTENT_RESERVE,
                (p, port, cdb) -> p.persistentReserve.out(port, cdb), range(0, 6), "5f 1f ff 00 00 ff ff ff ff 00");
        row(0x88, "READ (16)", READ, BlockCommandProcessor::read, "88 f8 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");
        row(0x89, "COMPARE AND WRITE", WRITE, (p, port, cdb) -> p.verify.compareAndWrite(cdb),
                "89 f8 ff ff ff ff ff ff ff ff 00 00 00 ff 00 00");
        row(0x8a, "WRITE (16)", WRITE, BlockCommandProcessor::write,
                "8a f8 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");
        row(0x8b, "ORWRITE (16)", WRITE, (p, port, cdb) -> p.orWrite.execute(cdb),
                "8b f8 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");
        row(0x8e, "WRITE AND VERIFY (16)", WRITE, BlockCommandProcessor::writeAndVerify,
                "8e f2 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");
        row(0x8f, "VERIFY (16)", READ, BlockCommandProcessor::verify,
                "8f f6 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");
        row(0x90, "PRE-FETCH (16)", READ, BlockCommandProcessor::preFetch,
                "90 02 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");
        row(0x91, "SYNCHRONIZE CACHE (16)", WRITE, BlockCommandProcessor::synchronizeCache,
                "91 02 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");
        row(0x93, "WRITE SAME (16)", WRITE, BlockCommandProcessor::writeSame,
                "93 f9 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");
        // SERVICE ACTION IN (16): READ CAPACITY (16) and GET LBA STATUS.
        actions(0x9e, "SERVICE ACTION IN (16)", STATUS,
                (p, port, cdb) -> CommandPlan.finished(CapacityCommands.serviceActionIn16(p.device, p.provisioning,
                        cdb)),
                List.of(command(0x10, "9e 1f 00 00 00 00 00 00 00 00 ff ff ff ff 00 00"),
                        command(0x12, "9e 1f ff ff ff ff ff ff ff ff ff ff ff ff 00 00")));
        noAttention(0xa0, "REPORT LUNS", ALWAYS, (p, port, cdb) -> CommandPlan.finished(ReportLuns.execute(cdb)),
                "a0 00 ff 00 00 00 ff ff ff ff 00 00");
        // MAINTENANCE IN: REPORT TARGET PORT GROUPS (ALUA units only), REPORT SUPPORTED OPERATION CODES.
        actions(0xa3, "MAINTENANCE IN", ALWAYS, BlockCommandProcessor::maintenanceIn,
                List.of(command(ReportTargetPortGroups.SERVICE_ACTION, "a3 ea 00 00 00 00 ff ff ff ff 00 00"),
                        command(0x0c, "a3 1f 87 ff ff ff ff ff ff ff 00 00")));
        row(0xa8, "READ (12)", READ, BlockCommandProcessor::read, "a8 f8 ff ff ff ff ff ff ff ff 00 00");
        row(0xaa, "WRITE (12)", WRITE, BlockCommandProcessor::write, "aa f8 ff ff ff ff ff ff ff ff 00 00");
        row(0xae, "WRITE AND VERIFY (12)", WRITE, BlockCommandProcessor::writeAndVerify,
                "ae f2 ff ff ff ff ff ff ff ff 00 00");
        row(0xaf, "VERIFY (12)", READ, BlockCommandProcessor::verify, "af f6 ff ff ff ff ff ff ff ff 00 00");
        row(0xb7, "READ DEFECT DATA (12)", READ, BlockCommandProcessor::readDefectData,
                "b7 1f 00 00 00 00 ff ff ff ff 00 00");
    }

    private static void row(int code, String name, CommandAccess access, Handler handler, String usage) {
        add(new Opcode(code, name, access, true, handler, List.of(command(-1, usage))));
    }

    private static void noAttention(int code, String name, CommandAccess access, Handler handler, String usage) {
        add(new Opcode(code, name, access, false, handler, List.of(command(-1, usage))));
    }

    private static void withActions(int code, String name, CommandAccess access, Handler handler, int[] actions,
            String usage) {
        List<SupportedCommands.Command> usages = new ArrayList<>();
        for (int action : actions) {
            usages.add(command(action, usage));
        }
        actions(code, name, access, handler, usages);
    }

    private static void actions(int code, String name, CommandAccess access, Handler handler,
            List<SupportedCommands.Command> usages) {
        add(new Opcode(code, name, access, true, handler, usages));
    }

    private static void add(Opcode opcode) {
        if (BY_CODE[opcode.code()] != null) {
            throw new IllegalStateException("opcode " + opcode.name() + " twice in the table");
        }
        BY_CODE[opcode.code()] = opcode;
    }

    private static int[] range(int first, int last) {
        int[] values = new int[last - first + 1];
        for (int i = 0; i < values.length; i++) {
            values[i] = first + i;
        }
        return values;
    }

    private static SupportedCommands.Command command(int serviceAction, String usage) {
        String[] hex = usage.split(" ");
        byte[] bytes = new byte[hex.length];
        for (int i = 0; i < hex.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex[i], 16);
        }
        return new SupportedCommands.Command(bytes[0] & 0xff, serviceAction, bytes);
    }

    static Optional<Opcode> find(int code) {
        return Optional.ofNullable(BY_CODE[code & 0xff]);
    }

    /** How {@code code} stands toward reservations; opcodes not in the table count as writes. */
    static CommandAccess access(int code) {
        return find(code).map(Opcode::access).orElse(WRITE);
    }

    /** Whether a pending unit attention is reported instead of running {@code code}. */
    static boolean unitAttentionFirst(int code) {
        return find(code).map(Opcode::unitAttentionFirst).orElse(true);
    }

    /** The usage data of every opcode and service action, in opcode order. */
    static List<SupportedCommands.Command> usages() {
        List<SupportedCommands.Command> all = new ArrayList<>();
        for (Opcode opcode : BY_CODE) {
            if (opcode != null) {
                all.addAll(opcode.usage());
            }
        }
        return all;
    }
}
