package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import org.snapshare.device.BlockDevice;
import org.snapshare.device.ForwardingDevice;

/**
 * The origin device as a clustered node may use it: every write and
 * deallocation first checks that this node still holds the volume's lock,
 * so a node that lost it (or was frozen past its session) does not write
 * over what the new holder wrote.
 */
final class FencedDevice extends ForwardingDevice {

    private final BooleanSupplier holdsLock;
    private final String volume;

    FencedDevice(BlockDevice device, BooleanSupplier holdsLock, String volume) {
        super(device);
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
    public void write(long offset, ByteBuffer src) throws IOException {
        checkHeld();
        super.write(offset, src);
    }

    @Override
    public boolean grow(long newSize) throws IOException {
        checkHeld();
        return super.grow(newSize);
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        checkHeld();
        super.deallocate(offset, length);
    }
}
