package org.snapshare.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A device that passes everything to another: a subclass overrides what it checks, watches or slows down. */
public class ForwardingDevice implements BlockDevice {

    protected final BlockDevice device;

    public ForwardingDevice(BlockDevice device) {
        this.device = device;
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
        device.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public boolean grow(long newSize) throws IOException {
        return device.grow(newSize);
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        device.deallocate(offset, length);
    }

    @Override
    public void dropCache(long offset, long length) throws IOException {
        device.dropCache(offset, length);
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        return device.extentAt(offset);
    }

    @Override
    public void close() throws IOException {
        device.close();
    }
}
