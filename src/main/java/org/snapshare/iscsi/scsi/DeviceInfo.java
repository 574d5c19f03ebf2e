package org.snapshare.iscsi.scsi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.snapshare.snapshot.LogicalUnit;

/** Identity and geometry of a logical unit, as SCSI commands report them. */
final class DeviceInfo {

    static final String VENDOR = "SNAPSHAR";
    static final String PRODUCT = "snapshare";
    /** Largest transfer one command may ask for, in blocks (4 MiB). */
    static final int MAX_TRANSFER_BLOCKS = 8192;
    /**
     * Largest WRITE SAME, in blocks: the transfer limit, since initiators
     * (libiscsi's tests among them) check a WRITE SAME by reading its range in
     * one command. 0 blocks ("to the end") is refused (WSNZ).
     */
    static final int MAX_WRITE_SAME_BLOCKS = MAX_TRANSFER_BLOCKS;
    /** Largest COMPARE AND WRITE, in blocks (VPD 0xB0 byte 5 holds at most 255). */
    static final int MAX_COMPARE_AND_WRITE_BLOCKS = 255;

    /** Changes when the volume is resized (see {@link #sizeChanged}). */
    volatile long blockCount;
    final int blockSize = LogicalUnit.BLOCK_SIZE;
    final long uniqueId;
    final boolean readOnly;
    /** Thin provisioned with LBPRZ: UNMAP offered, deallocated blocks read zeros. */
    final boolean thin;
    /** WCE of the caching mode page; off, every write is flushed before it completes. Not saved. */
    private volatile boolean writeCache = true;

    /** The ALUA port groups the unit is reached through, or null: one port, no ALUA. */
    final TargetPortGroups portGroups;

    DeviceInfo(LogicalUnit unit, TargetPortGroups portGroups) {
        this.portGroups = portGroups;
        this.blockCount = unit.sizeBytes() / LogicalUnit.BLOCK_SIZE;
        this.uniqueId = unit.uniqueId();
        this.readOnly = unit.readOnly();
        this.thin = unit.thinProvisioned() && !unit.readOnly();
    }

    /** Takes the unit's size again, after a volume resize. */
    void sizeChanged(LogicalUnit unit) {
        blockCount = unit.sizeBytes() / LogicalUnit.BLOCK_SIZE;
    }

    /** LBA OUT OF RANGE past the end (64-bit LBAs compared unsigned); INVALID FIELD IN CDB above {@code limit}. */
    void checkRange(BlockRange range, long limit) throws ScsiException {
        if (Long.compareUnsigned(range.lba, blockCount) > 0 || range.blocks > blockCount - range.lba) {
            throw new ScsiException(SenseCode.LBA_OUT_OF_RANGE,
                    "LBA " + range.lba + " + " + range.blocks + " blocks past " + blockCount);
        }
        if (range.blocks > limit) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, range.blocks + " blocks exceed the limit " + limit);
        }
    }

    /** WRITE PROTECTED for a read-only unit. */
    void checkWritable() throws ScsiException {
        if (readOnly) {
            throw new ScsiException(SenseCode.WRITE_PROTECTED, "read-only logical unit");
        }
    }

    boolean writeCacheEnabled() {
        return writeCache;
    }

    void writeCacheEnabled(boolean enabled) {
        writeCache = enabled;
    }

    /** Whether a change must reach the medium before it completes: FUA asked, or write cache off. */
    boolean mustFlush(boolean forceUnitAccess) {
        return forceUnitAccess || !writeCache;
    }

    /** The unit serial number: 16 hex digits of the unique id. */
    String serial() {
        return String.format("%016x", uniqueId);
    }

    static byte[] ascii(String text, int width) {
        byte[] field = new byte[width];
        Arrays.fill(field, (byte) ' ');
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, field, 0, Math.min(bytes.length, width));
        return field;
    }
}
