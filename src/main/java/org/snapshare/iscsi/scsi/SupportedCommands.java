package org.snapshare.iscsi.scsi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every command {@link BlockCommandProcessor} carries out, with its CDB usage
 * data: the bits of each CDB byte the device server looks at (SPC-4, 6.35.3).
 * REPORT SUPPORTED OPERATION CODES answers from this table; a unit test keeps
 * it and the dispatcher in step.
 */
final class SupportedCommands {

    /** One command, or one service action of a command. */
    static final class Command {
        final int opcode;
        final int serviceAction;   // -1: the opcode has no service actions
        final byte[] usage;

        Command(int opcode, int serviceAction, byte[] usage) {
            this.opcode = opcode;
            this.serviceAction = serviceAction;
            this.usage = usage;
        }

        boolean hasServiceAction() {
            return serviceAction >= 0;
        }
    }

    private static final int UNMAP = 0x42;
    private static final int REPORT_TARGET_PORT_GROUPS = ReportTargetPortGroups.SERVICE_ACTION;

    static final List<Command> ALL;

    static {
        List<Command> all = new ArrayList<>();
        add(all, "00 00 00 00 00 00");                                  // TEST UNIT READY
        add(all, "03 01 00 00 ff 00");                                  // REQUEST SENSE
        add(all, "08 1f ff ff ff 00");                                  // READ (6)
        add(all, "0a 1f ff ff ff 00");                                  // WRITE (6)
        add(all, "12 03 ff ff ff 00");                                  // INQUIRY
        add(all, "15 11 00 00 ff 00");                                  // MODE SELECT (6)
        add(all, "16 01 00 00 00 00");                                  // RESERVE (6)
        add(all, "17 00 00 00 00 00");                                  // RELEASE (6)
        add(all, "1a 08 ff ff ff 00");                                  // MODE SENSE (6)
        add(all, "1b 01 00 00 00 00");                                  // START STOP UNIT
        add(all, "25 00 00 00 00 00 00 00 00 00");                      // READ CAPACITY (10)
        add(all, "28 f8 ff ff ff ff 00 ff ff 00");                      // READ (10)
        add(all, "2a f8 ff ff ff ff 00 ff ff 00");                      // WRITE (10)
        add(all, "2e f2 ff ff ff ff 00 ff ff 00");                      // WRITE AND VERIFY (10)
        add(all, "2f f6 ff ff ff ff 00 ff ff 00");                      // VERIFY (10)
        add(all, "34 02 ff ff ff ff 00 ff ff 00");                      // PRE-FETCH (10)
        add(all, "35 02 ff ff ff ff 00 ff ff 00");                      // SYNCHRONIZE CACHE (10)
        add(all, "37 00 1f 00 00 00 00 ff ff 00");                      // READ DEFECT DATA (10)
        add(all, "41 f8 ff ff ff ff 00 ff ff 00");                      // WRITE SAME (10)
        add(all, "42 00 00 00 00 00 00 ff ff 00");                      // UNMAP (thin units only)
        add(all, "55 11 00 00 00 00 00 ff ff 00");                      // MODE SELECT (10)
        add(all, "56 12 00 00 00 00 00 00 00 00");                      // RESERVE (10)
        add(all, "57 00 00 00 00 00 00 00 00 00");                      // RELEASE (10)
        add(all, "5a 18 ff ff 00 00 00 ff ff 00");                      // MODE SENSE (10)
        for (int action = 0; action <= 3; action++) {                   // PERSISTENT RESERVE IN
            addAction(all, action, "5e 1f 00 00 00 00 00 ff ff 00");
        }
        for (int action = 0; action <= 6; action++) {                   // PERSISTENT RESERVE OUT
            addAction(all, action, "5f 1f ff 00 00 ff ff ff ff 00");
        }
        add(all, "88 f8 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");    // READ (16)
        add(all, "89 f8 ff ff ff ff ff ff ff ff 00 00 00 ff 00 00");    // COMPARE AND WRITE
        add(all, "8a f8 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");    // WRITE (16)
        add(all, "8b f8 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");    // ORWRITE (16)
        add(all, "8e f2 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");    // WRITE AND VERIFY (16)
        add(all, "8f f6 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");    // VERIFY (16)
        add(all, "90 02 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");    // PRE-FETCH (16)
        add(all, "91 02 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");    // SYNCHRONIZE CACHE (16)
        add(all, "93 f9 ff ff ff ff ff ff ff ff ff ff ff ff 00 00");    // WRITE SAME (16)
        addAction(all, 0x10, "9e 1f 00 00 00 00 00 00 00 00 ff ff ff ff 00 00"); // READ CAPACITY (16)
        addAction(all, 0x12, "9e 1f ff ff ff ff ff ff ff ff ff ff ff ff 00 00"); // GET LBA STATUS
        add(all, "a0 00 ff 00 00 00 ff ff ff ff 00 00");                // REPORT LUNS
        addAction(all, REPORT_TARGET_PORT_GROUPS, "a3 ea 00 00 00 00 ff ff ff ff 00 00"); // (ALUA units only)
        addAction(all, 0x0c, "a3 1f 87 ff ff ff ff ff ff ff 00 00");    // REPORT SUPPORTED OPERATION CODES
        add(all, "a8 f8 ff ff ff ff ff ff ff ff 00 00");                // READ (12)
        add(all, "aa f8 ff ff ff ff ff ff ff ff 00 00");                // WRITE (12)
        add(all, "ae f2 ff ff ff ff ff ff ff ff 00 00");                // WRITE AND VERIFY (12)
        add(all, "af f6 ff ff ff ff ff ff ff ff 00 00");                // VERIFY (12)
        add(all, "b7 1f 00 00 00 00 ff ff ff ff 00 00");                // READ DEFECT DATA (12)
        ALL = Collections.unmodifiableList(all);
    }

    private final List<Command> offered;

    private SupportedCommands(List<Command> offered) {
        this.offered = offered;
    }

    /** The commands a unit offers: UNMAP only where it is thin provisioned, REPORT TARGET PORT GROUPS with ALUA. */
    static SupportedCommands forUnit(boolean thin, boolean alua) {
        return new SupportedCommands(ALL.stream().filter(command -> thin || command.opcode != UNMAP)
                .filter(command -> alua || !(command.opcode == 0xa3
                        && command.serviceAction == REPORT_TARGET_PORT_GROUPS))
                .toList());
    }

    List<Command> offered() {
        return offered;
    }

    private static void add(List<Command> all, String usage) {
        addAction(all, -1, usage);
    }

    private static void addAction(List<Command> all, int serviceAction, String usage) {
        String[] hex = usage.split(" ");
        byte[] bytes = new byte[hex.length];
        for (int i = 0; i < hex.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex[i], 16);
        }
        all.add(new Command(bytes[0] & 0xff, serviceAction, bytes));
    }

    /** The command with {@code opcode} (and {@code serviceAction}, for opcodes that have them), or null. */
    Command find(int opcode, int serviceAction) {
        for (Command command : offered) {
            if (command.opcode == opcode && (!command.hasServiceAction() || command.serviceAction == serviceAction)) {
                return command;
            }
        }
        return null;
    }

    /** True when {@code opcode} is one of ours and takes service actions. */
    boolean hasServiceActions(int opcode) {
        return offered.stream().anyMatch(command -> command.opcode == opcode && command.hasServiceAction());
    }
}
