package org.snapshare.iscsi.scsi;

/** Big-endian field access on a command descriptor block. */
final class Cdb {

    private Cdb() {
    }

    static int u8(byte[] cdb, int offset) {
        return cdb[offset] & 0xff;
    }

    static int u16(byte[] cdb, int offset) {
        return (u8(cdb, offset) << 8) | u8(cdb, offset + 1);
    }

    static long u32(byte[] cdb, int offset) {
        return ((long) u16(cdb, offset) << 16) | u16(cdb, offset + 2);
    }

    static long u64(byte[] cdb, int offset) {
        return (u32(cdb, offset) << 32) | u32(cdb, offset + 4);
    }

    static void put16(byte[] buf, int offset, int value) {
        buf[offset] = (byte) (value >>> 8);
        buf[offset + 1] = (byte) value;
    }

    static void put32(byte[] buf, int offset, long value) {
        put16(buf, offset, (int) (value >>> 16));
        put16(buf, offset + 2, (int) value);
    }

    static void put64(byte[] buf, int offset, long value) {
        put32(buf, offset, value >>> 32);
        put32(buf, offset + 4, value);
    }
}
