package org.snapshare.iscsi;

/** iSCSI opcodes (RFC 7143, section 11.2.1.2). */
final class Opcode {
    static final int NOP_OUT = 0x00;
    static final int SCSI_COMMAND = 0x01;
    static final int TASK_MGMT_REQUEST = 0x02;
    static final int LOGIN_REQUEST = 0x03;
    static final int TEXT_REQUEST = 0x04;
    static final int DATA_OUT = 0x05;
    static final int LOGOUT_REQUEST = 0x06;
    static final int SNACK_REQUEST = 0x10;

    static final int NOP_IN = 0x20;
    static final int SCSI_RESPONSE = 0x21;
    static final int TASK_MGMT_RESPONSE = 0x22;
    static final int LOGIN_RESPONSE = 0x23;
    static final int TEXT_RESPONSE = 0x24;
    static final int DATA_IN = 0x25;
    static final int LOGOUT_RESPONSE = 0x26;
    static final int R2T = 0x31;
    static final int REJECT = 0x3f;

    private Opcode() {
    }
}
