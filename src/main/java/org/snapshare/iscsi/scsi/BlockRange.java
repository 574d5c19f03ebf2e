package org.snapshare.iscsi.scsi;

/** The LBA and block count a CDB addresses, decoded per CDB size. */
final class BlockRange {

    final long lba;
    final long blocks;

    private BlockRange(long lba, long blocks) {
        this.lba = lba;
        this.blocks = blocks;
    }

    static BlockRange of(long lba, long blocks) {
        return new BlockRange(lba, blocks);
    }

    int byteLength(int blockSize) {
        return Math.toIntExact(blocks * blockSize);
    }

    /** READ/WRITE (6), (10), (12), (16). */
    static BlockRange ofReadWrite(byte[] cdb) {
        switch (Cdb.u8(cdb, 0)) {
            case 0x08:
            case 0x0a: {
                long lba = ((Cdb.u8(cdb, 1) & 0x1f) << 16) | Cdb.u16(cdb, 2);
                int blocks = Cdb.u8(cdb, 4);
                return new BlockRange(lba, blocks == 0 ? 256 : blocks); // SBC: 0 means 256 here
            }
            case 0x28:
            case 0x2a:
                return new BlockRange(Cdb.u32(cdb, 2), Cdb.u16(cdb, 7));
            case 0xa8:
            case 0xaa:
                return new BlockRange(Cdb.u32(cdb, 2), Cdb.u32(cdb, 6));
            default:
                return new BlockRange(Cdb.u64(cdb, 2), Cdb.u32(cdb, 10));
        }
    }

    /** The LBA and length of a 10-, 12- or 16-byte CDB, laid out as READ/WRITE of that size. */
    static BlockRange ofSized(byte[] cdb) {
        switch (Cdb.u8(cdb, 0) >>> 5) {
            case 1:
            case 2:
                return new BlockRange(Cdb.u32(cdb, 2), Cdb.u16(cdb, 7));
            case 5:
                return new BlockRange(Cdb.u32(cdb, 2), Cdb.u32(cdb, 6));
            default:
                return new BlockRange(Cdb.u64(cdb, 2), Cdb.u32(cdb, 10));
        }
    }

    /** SYNCHRONIZE CACHE (10) and (16); 0 blocks means "to the end". */
    static BlockRange ofSynchronizeCache(byte[] cdb) {
        if (Cdb.u8(cdb, 0) == 0x35) {
            return new BlockRange(Cdb.u32(cdb, 2), Cdb.u16(cdb, 7));
        }
        return new BlockRange(Cdb.u64(cdb, 2), Cdb.u32(cdb, 10));
    }
}
