package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.snapshare.device.BlockDevice;

/**
 * Snapshot names, ids, states and creation times. Ids are assigned here,
 * 64-bit and increasing, never reused. On disk a chain of table blocks,
 * rewritten to fresh chunks when it changed (snapshot operations are rare).
 */
final class SnapshotTable {

    static final int MAGIC = 0x534e5442; // "SNTB"
    static final int MAX_NAME_BYTES = 200;
    private static final int ENTRIES_OFFSET = MetaBlock.HEADER + 8;

    private final BlockDevice device;
    private final int chunkSize;
    private final Map<Long, SnapshotInfo> byId = new TreeMap<>();
    private final List<Long> chain = new ArrayList<>();
    private long nextId;
    private boolean dirty;

    private SnapshotTable(BlockDevice device, int chunkSize, long nextId) {
        this.device = device;
        this.chunkSize = chunkSize;
        this.nextId = nextId;
    }

    static SnapshotTable empty(BlockDevice device, int chunkSize) {
        return new SnapshotTable(device, chunkSize, 1);
    }

    static SnapshotTable load(BlockDevice device, int chunkSize, long head, long nextId, long chunkCount)
            throws IOException {
        SnapshotTable table = new SnapshotTable(device, chunkSize, nextId);
        ByteBuffer block = ByteBuffer.allocate(chunkSize);
        for (long location = head; location != 0; location = block.getLong(MetaBlock.HEADER)) {
            if (location < 0 || location >= chunkCount || table.chain.contains(location)) {
                throw new StoreCorruptException("snapshot table chain points at chunk " + location);
            }
            block.clear();
            device.read(location * chunkSize, block);
            MetaBlock.verify(block, MAGIC, location, "snapshot table block");
            table.chain.add(location);
            int at = ENTRIES_OFFSET;
            for (int i = 0; i < block.getInt(12); i++) {
                long id = block.getLong(at);
                Instant created = Instant.ofEpochMilli(block.getLong(at + 8));
                SnapshotState state = SnapshotState.of(block.get(at + 16));
                int length = block.get(at + 17) & 0xff;
                byte[] name = new byte[length];
                block.get(at + 18, name);
                table.byId.put(id, new SnapshotInfo(id, new String(name, StandardCharsets.UTF_8), state, created));
                at += 18 + length;
            }
        }
        return table;
    }

    long nextId() {
        return nextId;
    }

    List<SnapshotInfo> all() {
        return new ArrayList<>(byId.values());
    }

    Optional<SnapshotInfo> byName(String name) {
        return byId.values().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    Optional<SnapshotInfo> byId(long id) {
        return Optional.ofNullable(byId.get(id));
    }

    SnapshotInfo add(String name, Instant created) throws StoreException {
        if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new StoreException("snapshot name must be 1 to " + MAX_NAME_BYTES + " bytes");
        }
        if (byName(name).isPresent()) {
            throw new StoreException("a snapshot named " + name + " already exists");
        }
        SnapshotInfo info = new SnapshotInfo(nextId++, name, SnapshotState.LIVE, created);
        byId.put(info.id(), info);
        dirty = true;
        return info;
    }

    void setState(long id, SnapshotState state) throws StoreException {
        SnapshotInfo info = byId.get(id);
        if (info == null) {
            throw new StoreException("no snapshot with id " + id);
        }
        byId.put(id, info.withState(state));
        dirty = true;
    }

    /** Forgets a snapshot whose chunks are all reclaimed; its id is never given out again. */
    void remove(long id) {
        if (byId.remove(id) != null) {
            dirty = true;
        }
    }

    List<Long> chunks() {
        return new ArrayList<>(chain);
    }

    /** Writes the table to fresh chunks if it changed; returns the chain head (0 when empty). */
    long writeChanges(SpaceMap space) throws IOException {
        if (!dirty) {
            return chain.isEmpty() ? 0 : chain.get(0);
        }
        for (long old : chain) {
            space.free(old);
        }
        chain.clear();
        List<List<byte[]>> blocks = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        int used = ENTRIES_OFFSET;
        for (SnapshotInfo info : byId.values()) {
            byte[] encoded = encode(info);
            if (used + encoded.length > chunkSize) {
                blocks.add(current);
                current = new ArrayList<>();
                used = ENTRIES_OFFSET;
            }
            current.add(encoded);
            used += encoded.length;
        }
        if (!current.isEmpty()) {
            blocks.add(current);
        }
        for (int i = 0; i < blocks.size(); i++) {
            chain.add(space.allocate());
        }
        ByteBuffer block = ByteBuffer.allocate(chunkSize);
        for (int i = 0; i < blocks.size(); i++) {
            java.util.Arrays.fill(block.array(), (byte) 0);
            MetaBlock.writeHeader(block, MAGIC, 0, blocks.get(i).size(), chain.get(i));
            block.putLong(MetaBlock.HEADER, i + 1 < chain.size() ? chain.get(i + 1) : 0);
            int at = ENTRIES_OFFSET;
            for (byte[] encoded : blocks.get(i)) {
                block.put(at, encoded);
                at += encoded.length;
            }
            MetaBlock.seal(block);
            block.clear();
            device.write(chain.get(i) * chunkSize, block);
        }
        dirty = false;
        return chain.isEmpty() ? 0 : chain.get(0);
    }

    private static byte[] encode(SnapshotInfo info) {
        byte[] name = info.name().getBytes(StandardCharsets.UTF_8);
        ByteBuffer entry = ByteBuffer.allocate(18 + name.length);
        entry.putLong(info.id()).putLong(info.created().toEpochMilli()).put((byte) info.state().code)
                .put((byte) name.length).put(name);
        return entry.array();
    }
}
