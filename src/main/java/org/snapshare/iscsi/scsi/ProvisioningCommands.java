package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.BlockStatus;
import org.snapshare.snapshot.LogicalUnit;

/**
 * Logical block provisioning (SBC-3, 4.7): UNMAP and GET LBA STATUS. Origin
 * LUNs are thin provisioned with LBPRZ (a deallocated block reads zeros);
 * snapshot LUNs are fully provisioned, so UNMAP is not offered to them and
 * GET LBA STATUS reports them mapped. docs/THIN.md has the snapshot rules.
 */
final class ProvisioningCommands {

    private static final Logger LOG = LoggerFactory.getLogger(ProvisioningCommands.class);

    /** Largest block count of one UNMAP descriptor (512 MiB), and of descriptors per command. */
    static final long MAX_UNMAP_BLOCKS = 1L << 20;
    static final int MAX_UNMAP_DESCRIPTORS = 256;
    /** Initiators should unmap in 4 KiB units: file system blocks are the smallest hole. */
    static final int OPTIMAL_UNMAP_GRANULARITY = 8;
    static final int GET_LBA_STATUS = 0x12;

    private static final int HEADER = 8;
    private static final int DESCRIPTOR = 16;
    private static final int MAPPED = 0;
    private static final int DEALLOCATED = 1;

    private final LogicalUnit unit;
    private final DeviceInfo device;

    ProvisioningCommands(LogicalUnit unit, DeviceInfo device) {
        this.unit = unit;
        this.device = device;
    }

    /** UNMAP: the block descriptors come as data-out; all are checked before any is carried out. */
    CommandPlan unmap(byte[] cdb) throws ScsiException {
        if ((Cdb.u8(cdb, 1) & 0x01) != 0) {
            throw ScsiException.invalidField(1, "ANCHOR: anchored blocks are not offered");
        }
        device.checkWritable();
        int listLength = Cdb.u16(cdb, 7);
        if (listLength > 0 && listLength < HEADER) {
            throw new ScsiException(SenseCode.PARAMETER_LIST_LENGTH_ERROR,
                    "UNMAP parameter list of " + listLength + " bytes is shorter than its header");
        }
        return DataOutPlan.of(listLength, dataOut -> {
            if (listLength > 0) {
                for (BlockRange range : descriptors(dataOut)) {
                    unit.unmap(range.lba * device.blockSize, range.blocks * device.blockSize);
                }
                if (device.mustFlush(false)) {
                    unit.flush();
                }
            }
            return ScsiResult.good();
        });
    }

    private List<BlockRange> descriptors(ByteBuffer dataOut) throws ScsiException {
        byte[] list = new byte[dataOut.remaining()];
        dataOut.duplicate().get(list);
        int descriptorBytes = Math.min(Cdb.u16(list, 2), list.length - HEADER);
        int count = descriptorBytes / DESCRIPTOR;
        if (count > MAX_UNMAP_DESCRIPTORS) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_PARAMETER_LIST,
                    count + " UNMAP descriptors exceed the limit " + MAX_UNMAP_DESCRIPTORS);
        }
        List<BlockRange> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = HEADER + i * DESCRIPTOR;
            BlockRange range = BlockRange.of(Cdb.u64(list, at), Cdb.u32(list, at + 8));
            if (range.blocks > MAX_UNMAP_BLOCKS) {
                throw new ScsiException(SenseCode.INVALID_FIELD_IN_PARAMETER_LIST,
                        range.blocks + " blocks in one UNMAP descriptor exceed " + MAX_UNMAP_BLOCKS);
            }
            device.checkRange(range, Long.MAX_VALUE); // the size limit was checked above, with this list's sense
            ranges.add(range);
        }
        return ranges;
    }

    /** GET LBA STATUS: runs of mapped and deallocated blocks from the given LBA, as many as fit. */
    ScsiResult getLbaStatus(byte[] cdb) throws ScsiException {
        long lba = Cdb.u64(cdb, 2);
        int allocationLength = (int) Math.min(Cdb.u32(cdb, 10), Integer.MAX_VALUE);
        if (Long.compareUnsigned(lba, device.blockCount) >= 0) {
            throw new ScsiException(SenseCode.LBA_OUT_OF_RANGE, "GET LBA STATUS at LBA " + lba);
        }
        int wanted = Math.max(1, Math.min(64, (allocationLength - HEADER) / DESCRIPTOR));
        ByteBuffer data = ByteBuffer.allocate(HEADER + wanted * DESCRIPTOR);
        data.position(HEADER);
        try {
            for (long next = lba; next < device.blockCount && data.hasRemaining(); ) {
                BlockStatus run = blockRun(next);
                data.putLong(next).putInt((int) Math.min(run.end() - next, 0xffffffffL))
                        .put((byte) (run.mapped() ? MAPPED : DEALLOCATED)).put(new byte[3]);
                next = run.end();
            }
        } catch (IOException e) {
            LOG.error("GET LBA STATUS failed at LBA {}", lba, e);
            return ScsiResult.checkCondition(SenseCode.forFailure(e, SenseCode.UNRECOVERED_READ_ERROR));
        }
        byte[] bytes = Arrays.copyOf(data.array(), data.position());
        Cdb.put32(bytes, 0, bytes.length - 4);
        return ScsiResult.good(bytes, allocationLength);
    }

    /**
     * The run {@code lba} starts, its end counted in blocks. Holes are
     * file-system blocks, so their edges fall on block edges; a block only
     * partly in a hole counts as mapped.
     */
    private BlockStatus blockRun(long lba) throws IOException {
        BlockStatus status = unit.status(lba * device.blockSize);
        long blockSize = device.blockSize;
        if (!status.mapped()) {
            long end = Math.min(status.end() / blockSize, device.blockCount);
            if (end > lba) {
                return new BlockStatus(false, end);
            }
        }
        long end = Math.min((status.end() + blockSize - 1) / blockSize, device.blockCount);
        return new BlockStatus(true, Math.max(end, lba + 1));
    }
}
