package org.snapshare.testing;

import java.util.Arrays;

/** Test data: byte arrays of one value. */
public final class Filled {

    private Filled() {
    }

    /** {@code length} bytes, each {@code value}. */
    public static byte[] bytes(int value, int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
