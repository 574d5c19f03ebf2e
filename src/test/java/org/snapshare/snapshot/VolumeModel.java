package org.snapshare.snapshot;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** What every LUN of a volume must read: plain byte arrays, copied on snapshot. */
final class VolumeModel {

    byte[] origin;
    final Map<String, byte[]> snapshots = new LinkedHashMap<>();
    /** The snapshot each was taken of; null: the origin. */
    final Map<String, String> parents = new HashMap<>();
    /** Snapshots deleted or reset while snapshots taken of them live, by a name of their own. */
    private final Map<String, byte[]> retired = new HashMap<>();

    VolumeModel(int size) {
        origin = new byte[size];
    }

    byte[] lun(String name) {
        return name == null ? origin : snapshots.containsKey(name) ? snapshots.get(name) : retired.get(name);
    }

    void write(String name, long offset, byte[] data) {
        System.arraycopy(data, 0, lun(name), (int) offset, data.length);
    }

    byte[] read(String name, long offset, int length) {
        return Arrays.copyOfRange(lun(name), (int) offset, (int) offset + length);
    }

    void snapshot(String name) {
        snapshots.put(name, origin.clone());
        parents.put(name, null);
    }

    void snapshotOf(String name, String parent) {
        snapshots.put(name, snapshots.get(parent).clone());
        parents.put(name, parent);
    }

    /** The snapshot starts again as its parent is now; the snapshots taken of it keep the old content. */
    void reset(String name) {
        retire(name);
        snapshots.put(name, lun(parents.get(name)).clone());
    }

    void delete(String name) {
        retire(name);
        snapshots.remove(name);
    }

    /** The snapshots taken of {@code name} go on reading its content as it is now. */
    private void retire(String name) {
        String hidden = name + "#" + retired.size();
        boolean kept = false;
        for (Map.Entry<String, String> parent : parents.entrySet()) {
            if (name.equals(parent.getValue())) {
                parent.setValue(hidden);
                kept = true;
            }
        }
        if (kept) {
            retired.put(hidden, lun(name).clone());
            parents.put(hidden, parents.get(name));
        }
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
