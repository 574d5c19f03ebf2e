package org.snapshare.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * An in-memory device for crash tests. It remembers which writes happened
 * since the last flush; {@link #powerCut} then builds the device a reboot
 * would find: everything flushed, plus any subset of the unflushed writes,
 * each possibly torn (only some of its 512-byte sectors written). It can also
 * be told to fail every write after the n-th, to stop a workload at a chosen
 * point.
 */
public final class FaultInjectingDevice implements BlockDevice {

    /** The unit a torn write keeps or loses, as disks do. */
    public static final int SECTOR = 512;

    /** Sized for the most the device may {@link #grow} to. */
    private final byte[] durable;
    private final byte[] visible;
    private int size;
    private int durableSize;
    private final List<long[]> unflushed = new ArrayList<>(); // {offset, length}
    private final List<byte[]> unflushedData = new ArrayList<>();
    private long writes;
    private long flushes;
    private long failAfterWrites = Long.MAX_VALUE;
    private volatile long flushDelayMillis;

    public FaultInjectingDevice(int size) {
        this(size, size);
    }

    /** A device of {@code size} bytes that may {@link #grow} up to {@code capacity}. */
    public FaultInjectingDevice(int size, int capacity) {
        this.durable = new byte[capacity];
        this.visible = new byte[capacity];
        this.size = size;
        this.durableSize = size;
    }

    private FaultInjectingDevice(byte[] image, int size) {
        this.durable = image.clone();
        this.visible = image.clone();
        this.size = size;
        this.durableSize = size;
    }

    /** Writes after the first {@code count} (counted from now) throw, as if the power went. */
    public synchronized void failAfterWrites(long count) {
        this.failAfterWrites = writes + count;
    }

    public synchronized long writeCount() {
        return writes;
    }

    /** Makes every flush take this long, like a disk's cache flush (for group commit tests). */
    public void flushDelayMillis(long millis) {
        this.flushDelayMillis = millis;
    }

    public synchronized long flushCount() {
        return flushes;
    }

    public synchronized int unflushedWrites() {
        return unflushed.size();
    }

    @Override
    public synchronized long size() {
        return size;
    }

    /** Grows within the capacity it was made with; like a file's, the new size is durable at the next flush. */
    @Override
    public synchronized boolean grow(long newSize) {
        if (newSize > visible.length) {
            return false;
        }
        size = Math.max(size, (int) newSize);
        return true;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        check(offset, dst.remaining());
        dst.put(visible, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        check(offset, src.remaining());
        if (writes >= failAfterWrites) {
            throw new IOException("injected power cut: write " + writes + " refused");
        }
        writes++;
        byte[] data = new byte[src.remaining()];
        src.get(data);
        System.arraycopy(data, 0, visible, (int) offset, data.length);
        unflushed.add(new long[] {offset, data.length});
        unflushedData.add(data);
    }

    @Override
    public void flush() throws IOException {
        if (flushDelayMillis > 0) {
            try {
                Thread.sleep(flushDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("flush interrupted", e);
            }
        }
        applyUnflushed();
    }

    private synchronized void applyUnflushed() throws IOException {
        if (writes >= failAfterWrites && !unflushed.isEmpty()) {
            throw new IOException("injected power cut: flush refused");
        }
        flushes++;
        durableSize = size;
        for (int i = 0; i < unflushed.size(); i++) {
            System.arraycopy(unflushedData.get(i), 0, durable, (int) unflushed.get(i)[0], unflushedData.get(i).length);
        }
        unflushed.clear();
        unflushedData.clear();
    }

    /**
     * The device after a power cut: flushed data, plus each unflushed write
     * kept or dropped at random; with {@code tear}, a kept write may keep only
     * some of its sectors. Writes are replayed in order, so a later write to the
     * same place wins when both are kept.
     */
    public synchronized FaultInjectingDevice powerCut(Random random, boolean tear) {
        byte[] image = durable.clone();
        for (int i = 0; i < unflushed.size(); i++) {
            if (!random.nextBoolean()) {
                continue;
            }
            int offset = (int) unflushed.get(i)[0];
            byte[] data = unflushedData.get(i);
            for (int sector = 0; sector < data.length; sector += SECTOR) {
                if (!tear || random.nextBoolean()) {
                    int length = Math.min(SECTOR, data.length - sector);
                    System.arraycopy(data, sector, image, offset + sector, length);
                }
            }
        }
        return new FaultInjectingDevice(image, durableSize);
    }

    /** The device after a power cut that lost every unflushed write. */
    public synchronized FaultInjectingDevice powerCutDroppingAll() {
        return new FaultInjectingDevice(durable, durableSize);
    }

    /** A copy of what reads return now (for comparisons in tests). */
    public synchronized byte[] contents() {
        return Arrays.copyOf(visible, size);
    }

    @Override
    public void close() {
        // nothing to release
    }

    private void check(long offset, int length) throws IOException {
        if (offset < 0 || length < 0 || length > size - offset) { // offset + length could overflow
            throw new IOException("access of " + length + " bytes at " + offset + " outside a "
                    + size + "-byte device");
        }
    }
}
