package org.snapshare.appliance;

import java.nio.ByteBuffer;
import java.util.Random;
import org.snapshare.snapshot.LogicalUnit;

/** Whole-unit reads, flushed writes and random bytes, for tests that drive LUNs of a running appliance directly. */
final class UnitBytes {

    private UnitBytes() {
    }

    static byte[] randomBytes(Random random, int length) {
        byte[] data = new byte[length];
        random.nextBytes(data);
        return data;
    }

    /** Writes {@code data} at {@code offset} and flushes. */
    static void write(LogicalUnit unit, long offset, byte[] data) throws Exception {
        unit.write(offset, ByteBuffer.wrap(data));
        unit.flush();
    }

    /** Every byte of the unit. */
    static byte[] read(LogicalUnit unit) throws Exception {
        ByteBuffer all = ByteBuffer.allocate((int) unit.sizeBytes());
        unit.read(0, all);
        return all.array();
    }
}
