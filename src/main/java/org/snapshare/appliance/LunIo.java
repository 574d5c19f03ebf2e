package org.snapshare.appliance;

/**
 * One LUN's I/O since the server started, as the metrics count it:
 * {@code snapshot} is "" for the origin. The console takes rates (IOPS,
 * throughput) from the difference of two looks.
 */
public record LunIo(String volume, String snapshot, long readBytes, long writeBytes, long reads, long writes) {
}
