package org.snapshare.iscsi.scsi;

import java.util.Collections;
import java.util.List;

/**
 * The commands a unit offers, with their CDB usage data (from
 * {@link OpcodeTable}): what REPORT SUPPORTED OPERATION CODES answers from.
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

    /** Every command and service action, from {@link OpcodeTable}. */
    static final List<Command> ALL = Collections.unmodifiableList(OpcodeTable.usages());

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
