package org.snapshare.snapshot;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** What every LUN of a volume must read: plain byte arrays, copied on snapshot. */
final class VolumeModel {

    byte[] origin;
    final Map<String, byte[]> snapshots = new LinkedHashMap<>();

    VolumeModel(int size) {
        origin = new byte[size];
    }

    byte[] lun(String name) {
        return name == null ? origin : snapshots.get(name);
    }

    void write(String name, long offset, byte[] data) {
        System.arraycopy(data, 0, lun(name), (int) offset, data.length);
    }

    byte[] read(String name, long offset, int length) {
        return Arrays.copyOfRange(lun(name), (int) offset, (int) offset + length);
    }

    void snapshot(String name) {
        snapshots.put(name, origin.clone());
    }

    void snapshotOf(String name, String parent) {
        snapshots.put(name, snapshots.get(parent).clone());
    }

    /** The origin becomes the snapshot up to the snapshot's end; past it (it grew since) it keeps its bytes. */
    void rollback(String name) {
        byte[] snapshot = snapshots.get(name);
        System.arraycopy(snapshot, 0, origin, 0, snapshot.length);
    }

    /** The origin grows, reading zeros in its new part; snapshots keep their size. */
    void resize(int size) {
        origin = Arrays.copyOf(origin, size);
    }
}
