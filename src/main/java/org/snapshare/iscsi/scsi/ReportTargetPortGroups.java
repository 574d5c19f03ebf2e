package org.snapshare.iscsi.scsi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** REPORT TARGET PORT GROUPS (SPC-4, 6.36): MAINTENANCE IN, service action 0x0a. */
final class ReportTargetPortGroups {

    static final int SERVICE_ACTION = 0x0a;
    private static final int EXTENDED_HEADER = 1;
    /** Supported states: active/optimized and active/non-optimized. */
    private static final int SUPPORTED_STATES = 0x01 | 0x02;
    /** What the extended header says an implicit transition takes at most, in seconds. */
    private static final int IMPLICIT_TRANSITION_SECONDS = 10;

    private final TargetPortGroups groups;

    ReportTargetPortGroups(TargetPortGroups groups) {
        this.groups = groups;
    }

    ScsiResult execute(byte[] cdb) throws ScsiException {
        int format = Cdb.u8(cdb, 1) >> 5;
        if (format > EXTENDED_HEADER) {
            throw ScsiException.invalidField(1, "parameter data format " + format);
        }
        int allocationLength = (int) Math.min(Cdb.u32(cdb, 6), Integer.MAX_VALUE);
        ByteArrayOutputStream descriptors = new ByteArrayOutputStream();
        try {
            for (TargetPortGroups.PortGroup group : groups.groups()) {
                byte[] descriptor = new byte[12];
                descriptor[0] = (byte) group.state().code;
                descriptor[1] = (byte) SUPPORTED_STATES;
                Cdb.put16(descriptor, 2, group.id());
                descriptor[7] = 1; // one target port per group: the node's portal
                Cdb.put16(descriptor, 10, group.id()); // its relative target port identifier
                descriptors.writeBytes(descriptor);
            }
        } catch (IOException e) {
            throw new ScsiException(SenseCode.ASYMMETRIC_ACCESS_STATE_TRANSITION, "port group states unknown now: "
                    + e.getMessage());
        }
        byte[] header = new byte[format == EXTENDED_HEADER ? 8 : 4];
        Cdb.put32(header, 0, header.length - 4 + descriptors.size());
        if (format == EXTENDED_HEADER) {
            header[4] = 0x10; // format type 1
            header[5] = (byte) IMPLICIT_TRANSITION_SECONDS;
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(header);
        data.writeBytes(descriptors.toByteArray());
        return ScsiResult.good(data.toByteArray(), allocationLength);
    }
}
