package org.snapshare.appliance;

import java.nio.file.Path;

/**
 * What `volume create` asks for. {@code sizeBytes}, {@code storeBytes} and
 * {@code storeMaxBytes} (the cap the store file may grow to) are 0 when left
 * to the default; {@code originDevice} and {@code storeDevice}
 * are null for files in the volume's directory, else raw devices (or files)
 * the volume takes over: the store device is formatted, the origin keeps its
 * contents and sets the volume size.
 */
public record VolumeSpec(String name, long sizeBytes, long storeBytes, long storeMaxBytes, Path originDevice,
        Path storeDevice) {

    public static VolumeSpec ofSize(String name, long sizeBytes) {
        return new VolumeSpec(name, sizeBytes, 0, 0, null, null);
    }
}
