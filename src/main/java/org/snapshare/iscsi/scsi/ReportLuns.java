package org.snapshare.iscsi.scsi;

/** REPORT LUNS (SPC-4, 6.33): every snapshare target has exactly LUN 0. */
final class ReportLuns {

    private ReportLuns() {
    }

    static ScsiResult execute(byte[] cdb) {
        int selectReport = Cdb.u8(cdb, 2);
        long allocationLength = Cdb.u32(cdb, 6);
        if (selectReport > 2 || allocationLength < 16) {
            return ScsiResult.checkCondition(SenseCode.INVALID_FIELD_IN_CDB);
        }
        byte[] data = new byte[16];
        Cdb.put32(data, 0, 8); // one 8-byte LUN entry, all zero: LUN 0
        return ScsiResult.good(data, (int) Math.min(allocationLength, Integer.MAX_VALUE));
    }
}
