package org.snapshare.iscsi;

import java.nio.ByteBuffer;

/**
 * One iSCSI PDU: the 48-byte basic header segment and the data segment.
 * Field accessors name RFC 7143 fields by their byte offsets; which offsets
 * mean what depends on the opcode, so the typed meaning lives in the callers.
 */
final class Pdu {

    static final int BHS_LENGTH = 48;
    static final int NO_TAG = 0xffffffff;

    private final ByteBuffer header;
    private ByteBuffer data;

    Pdu(ByteBuffer header, ByteBuffer data) {
        if (header.capacity() != BHS_LENGTH) {
            throw new IllegalArgumentException("basic header segment must be 48 bytes");
        }
        this.header = header;
        this.data = data;
    }

    /** A target-to-initiator PDU with an empty data segment; bit 7 of byte 1 (Final) set. */
    static Pdu response(int opcode) {
        Pdu pdu = new Pdu(ByteBuffer.allocate(BHS_LENGTH), ByteBuffer.allocate(0));
        pdu.header.put(0, (byte) opcode);
        pdu.header.put(1, (byte) 0x80);
        return pdu;
    }

    int opcode() {
        return header.get(0) & 0x3f;
    }

    boolean immediate() {
        return (header.get(0) & 0x40) != 0;
    }

    int flags() {
        return header.get(1) & 0xff;
    }

    Pdu flags(int value) {
        header.put(1, (byte) value);
        return this;
    }

    int byteAt(int offset) {
        return header.get(offset) & 0xff;
    }

    Pdu byteAt(int offset, int value) {
        header.put(offset, (byte) value);
        return this;
    }

    int shortAt(int offset) {
        return header.getShort(offset) & 0xffff;
    }

    Pdu shortAt(int offset, int value) {
        header.putShort(offset, (short) value);
        return this;
    }

    int intAt(int offset) {
        return header.getInt(offset);
    }

    Pdu intAt(int offset, int value) {
        header.putInt(offset, value);
        return this;
    }

    long longAt(int offset) {
        return header.getLong(offset);
    }

    Pdu longAt(int offset, long value) {
        header.putLong(offset, value);
        return this;
    }

    int totalAhsWords() {
        return header.get(4) & 0xff;
    }

    int dataSegmentLength() {
        return ((header.get(5) & 0xff) << 16) | ((header.get(6) & 0xff) << 8) | (header.get(7) & 0xff);
    }

    int initiatorTaskTag() {
        return header.getInt(16);
    }

    Pdu initiatorTaskTag(int itt) {
        return intAt(16, itt);
    }

    /** Bytes 8-15: the LUN field of most PDUs. */
    long lun() {
        return header.getLong(8);
    }

    /** The command sequence number of an initiator PDU (bytes 24-27). */
    int cmdSn() {
        return header.getInt(24);
    }

    // Named fields of the basic header segment (RFC 7143, 11.x): one offset serves several PDU types.

    /** Byte 2 of a response PDU: the response code (Task Management, Logout, Reject reason). */
    Pdu responseCode(int code) {
        return byteAt(2, code);
    }

    /** Byte 3 of a SCSI Response or Data-In: the SCSI status. */
    Pdu status(int scsiStatus) {
        return byteAt(3, scsiStatus);
    }

    /** Bytes 20-23 of a SCSI Command: Expected Data Transfer Length. */
    int expectedDataTransferLength() {
        return intAt(20);
    }

    /** Bytes 20-23 of Data-Out, NOP, R2T, Data-In, Text: the Target Transfer Tag. */
    int targetTransferTag() {
        return intAt(20);
    }

    Pdu targetTransferTag(int ttt) {
        return intAt(20, ttt);
    }

    /** Bytes 20-23 of a Task Management Function Request: the Referenced Task Tag. */
    int referencedTaskTag() {
        return intAt(20);
    }

    /** Bytes 24-27 of target PDUs: StatSN; 28-31 ExpCmdSN; 32-35 MaxCmdSN. */
    Pdu sequenceNumbers(int statSn, int expCmdSn, int maxCmdSn) {
        return intAt(24, statSn).intAt(28, expCmdSn).intAt(32, maxCmdSn);
    }

    /** Bytes 28-31 of initiator PDUs: ExpStatSN. */
    int expStatSn() {
        return intAt(28);
    }

    /** Bytes 36-39 of Data-Out and Data-In: DataSN. */
    int dataSn() {
        return intAt(36);
    }

    Pdu dataSn(int dataSn) {
        return intAt(36, dataSn);
    }

    /** Bytes 36-39 of an R2T: R2TSN. */
    Pdu r2tSn(int r2tSn) {
        return intAt(36, r2tSn);
    }

    /** Bytes 36-39 of a SCSI Response: ExpDataSN. */
    Pdu expDataSn(int expDataSn) {
        return intAt(36, expDataSn);
    }

    /** Bytes 40-43 of Data-Out, Data-In and R2T: the Buffer Offset. */
    int bufferOffset() {
        return intAt(40);
    }

    Pdu bufferOffset(int offset) {
        return intAt(40, offset);
    }

    /** Bytes 44-47 of an R2T: the Desired Data Transfer Length. */
    Pdu desiredDataTransferLength(int length) {
        return intAt(44, length);
    }

    /** Bytes 44-47 of a SCSI Response or final Data-In: the Residual Count. */
    Pdu residualCount(int residual) {
        return intAt(44, residual);
    }

    /** Byte 3 of a Login Request: VersionMin. */
    int versionMin() {
        return byteAt(3);
    }

    /** Bytes 8-13 of Login PDUs: the ISID, which names the initiator's session. */
    byte[] isid() {
        byte[] isid = new byte[6];
        header.get(8, isid);
        return isid;
    }

    Pdu isid(byte[] isid) {
        header.put(8, isid);
        return this;
    }

    /** Bytes 14-15 of Login PDUs: the TSIH. */
    int tsih() {
        return shortAt(14);
    }

    Pdu tsih(int value) {
        return shortAt(14, value);
    }

    /** Bytes 36 and 37 of a Login Response: Status-Class and Status-Detail. */
    Pdu loginStatus(int statusClass, int detail) {
        return byteAt(36, statusClass).byteAt(37, detail);
    }

    /** Copies the 16-byte CDB of a SCSI Command. */
    byte[] cdb() {
        byte[] cdb = new byte[16];
        header.get(32, cdb);
        return cdb;
    }

    ByteBuffer data() {
        return data.duplicate();
    }

    Pdu data(ByteBuffer segment) {
        this.data = segment;
        int length = segment.remaining();
        header.put(5, (byte) (length >>> 16)).put(6, (byte) (length >>> 8)).put(7, (byte) length);
        return this;
    }

    /** The header as written on the wire (a view; do not modify). */
    ByteBuffer headerBytes() {
        return header.duplicate().clear();
    }

    @Override
    public String toString() {
        return String.format("PDU[op=0x%02x itt=0x%08x len=%d]", opcode(), initiatorTaskTag(), dataSegmentLength());
    }
}
