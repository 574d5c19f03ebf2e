package org.snapshare.iscsi.scsi;

import java.io.ByteArrayOutputStream;

/** REPORT SUPPORTED OPERATION CODES (SPC-4, 6.35), answered from {@link SupportedCommands}. */
final class ReportSupportedOperationCodes {

    static final int SERVICE_ACTION = 0x0c;

    private static final int ALL_COMMANDS = 0;
    private static final int ONE_OPCODE = 1;
    private static final int ONE_SERVICE_ACTION = 2;
    private static final int ONE_OPCODE_OR_SERVICE_ACTION = 3;

    private static final int SUPPORTED = 0x03;   // supported as the standard says
    private static final int NOT_SUPPORTED = 0x01;

    private final SupportedCommands commands;

    ReportSupportedOperationCodes(SupportedCommands commands) {
        this.commands = commands;
    }

    /** MAINTENANCE IN (0xa3): only this service action is offered. */
    ScsiResult execute(byte[] cdb) throws ScsiException {
        int serviceAction = Cdb.u8(cdb, 1) & 0x1f;
        if (serviceAction != SERVICE_ACTION) {
            throw ScsiException.invalidField(1, "MAINTENANCE IN service action " + serviceAction);
        }
        boolean timeouts = (Cdb.u8(cdb, 2) & 0x80) != 0;
        int options = Cdb.u8(cdb, 2) & 0x07;
        int opcode = Cdb.u8(cdb, 3);
        int requestedAction = Cdb.u16(cdb, 4);
        int allocationLength = (int) Math.min(Cdb.u32(cdb, 6), Integer.MAX_VALUE);
        byte[] data;
        switch (options) {
            case ALL_COMMANDS:
                data = all(timeouts);
                break;
            case ONE_OPCODE:
            case ONE_SERVICE_ACTION:
            case ONE_OPCODE_OR_SERVICE_ACTION:
                data = one(options, opcode, requestedAction, timeouts);
                break;
            default:
                throw ScsiException.invalidField(2, "reporting options " + options);
        }
        return ScsiResult.good(data, allocationLength);
    }

    private byte[] all(boolean timeouts) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (SupportedCommands.Command command : commands.offered()) {
            byte[] descriptor = new byte[8];
            descriptor[0] = (byte) command.opcode;
            Cdb.put16(descriptor, 2, Math.max(command.serviceAction, 0));
            descriptor[5] = (byte) ((timeouts ? 0x02 : 0) | (command.hasServiceAction() ? 0x01 : 0));
            Cdb.put16(descriptor, 6, command.usage.length);
            list.writeBytes(descriptor);
            if (timeouts) {
                list.writeBytes(timeoutsDescriptor());
            }
        }
        byte[] data = new byte[4 + list.size()];
        Cdb.put32(data, 0, list.size());
        System.arraycopy(list.toByteArray(), 0, data, 4, list.size());
        return data;
    }

    private byte[] one(int options, int opcode, int serviceAction, boolean timeouts) throws ScsiException {
        boolean hasActions = commands.hasServiceActions(opcode);
        if (options == ONE_OPCODE && hasActions) {
            throw ScsiException.invalidField(3, "opcode 0x" + Integer.toHexString(opcode)
                    + " has service actions: ask with reporting options 2");
        }
        SupportedCommands.Command command = commands.find(opcode, serviceAction);
        if (options == ONE_SERVICE_ACTION && command != null && !hasActions) {
            throw ScsiException.invalidField(3, "opcode 0x" + Integer.toHexString(opcode)
                    + " has no service actions: ask with reporting options 1");
        }
        if (command == null) {
            byte[] data = new byte[4];
            data[1] = NOT_SUPPORTED;
            return data;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[4];
        header[1] = (byte) ((timeouts ? 0x80 : 0) | SUPPORTED);
        Cdb.put16(header, 2, command.usage.length);
        out.writeBytes(header);
        out.writeBytes(command.usage);
        if (timeouts) {
            out.writeBytes(timeoutsDescriptor());
        }
        return out.toByteArray();
    }

    /** Command timeouts descriptor (SPC-4, 6.35.4): 0 = no timeout is specified. */
    private static byte[] timeoutsDescriptor() {
        byte[] descriptor = new byte[12];
        Cdb.put16(descriptor, 0, 0x0a);
        return descriptor;
    }
}
