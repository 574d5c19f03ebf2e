package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import org.snapshare.device.BlockDevice;
import org.snapshare.device.Extent;

/**
 * The origin device as a clustered node may use it: every write and
 * deallocation first checks that this node still holds the volume's lock,
 * so a node that lost it (or was frozen past its session) does not write
 * over what the new holder wrote.
 */
final class FencedDevice implements BlockDevice {

    private final BlockDevice device;
    private final BooleanSupplier holdsLock;
    private final String volume;

    FencedDevice(BlockDevice device, BooleanSupplier holdsLock, String volume) {
        this.device = device;
        this.holdsLock = holdsLock;
        this.volume = volume;
    }

    private void checkHeld() throws UnitUnavailableException {
        if (!holdsLock.getAsBoolean()) {
            throw new UnitUnavailableException("volume " + volume + ": this node no longer holds the cluster lock;"
                    + " the origin write was not made");
        }
    }

    @Override
    public long size() throws IOException {
        return device.size();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        device.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkHeld();
        device.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public boolean grow(long newSize) throws IOException {
        checkHeld();
        return device.grow(newSize);
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        checkHeld();
        device.deallocate(offset, length);
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        return device.extentAt(offset);
    }

    @Override
    public void dropCache(long offset, long length) throws IOException {
        device.dropCache(offset, length);
    }

    @Override
    public void close() throws IOException {
        device.close();
    }
}
