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

/**
 * Snapshot names, ids, states and creation times. Ids are assigned here,
 * 64-bit and increasing, never reused. On disk a chain of table blocks,
 * rewritten to fresh chunks when it changed (snapshot operations are rare).
 */
final class SnapshotTable {

    static final int MAGIC = 0x534e5442; // "SNTB"
    static final int MAX_NAME_BYTES = 200;
    /** Offset 24: the next block of the chain; the entries follow it. */
    private static final int NEXT_OFFSET = MetaBlock.HEADER;

    private final MetadataIo io;
    private final StoreLayout layout;
    private final int entriesOffset;
    private final Map<Long, SnapshotInfo> byId = new TreeMap<>();
    private final List<BlockRef> chain = new ArrayList<>();
    private long nextId;
    private boolean dirty;

    private SnapshotTable(MetadataIo io, StoreLayout layout, long nextId) {
        this.io = io;
        this.layout = layout;
        this.entriesOffset = NEXT_OFFSET + layout.refBytes();
        this.nextId = nextId;
    }

    static SnapshotTable load(MetadataIo io, StoreLayout layout, BlockRef head, long nextId, long chunkCount)
            throws IOException {
        SnapshotTable table = new SnapshotTable(io, layout, nextId);
        for (BlockRef location = head; !location.isNone(); ) {
            for (long chunk : location.chunks()) {
                if (chunk < 0 || chunk >= chunkCount || table.chunks().contains(chunk)) {
                    throw new StoreCorruptException("snapshot table chain points at chunk " + chunk);
                }
            }
            ByteBuffer block = io.read(location, MAGIC, "snapshot table block");
            table.chain.add(location);
            int at = table.entriesOffset;
            int count = block.getInt(MetaBlock.COUNT_OFFSET);
            int fixed = table.entryFixedBytes();
            for (int i = 0; i < count; i++) {
                if (at + fixed > block.capacity() || at + fixed + (block.get(at + 17) & 0xff) > block.capacity()) {
                    throw new StoreCorruptException("snapshot table block at chunk " + location.primary()
                            + " lists more entries than it holds");
                }
                long id = block.getLong(at);
                Instant created = Instant.ofEpochMilli(block.getLong(at + 8));
                SnapshotState state = SnapshotState.of(block.get(at + 16));
                int length = block.get(at + 17) & 0xff;
                byte[] name = new byte[length];
                block.get(at + 18, name);
                long size = layout.snapshotSizes ? block.getLong(at + 18 + length) : 0;
                table.byId.put(id, new SnapshotInfo(id, new String(name, StandardCharsets.UTF_8), state, created,
                        size));
                at += fixed + length;
            }
            location = layout.getRef(block, NEXT_OFFSET);
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

    /** Bytes of an entry besides its name: id, time, state, name length; the volume's size in format 3. */
    private int entryFixedBytes() {
        return 18 + (layout.snapshotSizes ? 8 : 0);
    }

    SnapshotInfo add(String name, Instant created, long sizeBytes) throws StoreException {
        if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new StoreException("snapshot name must be 1 to " + MAX_NAME_BYTES + " bytes");
        }
        if (byName(name).isPresent()) {
            throw new StoreException("a snapshot named " + name + " already exists");
        }
        SnapshotInfo info = new SnapshotInfo(nextId++, name, SnapshotState.LIVE, created,
                layout.snapshotSizes ? sizeBytes : 0);
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

    /** Every chunk of the table (copies too). */
    List<Long> chunks() {
        List<Long> chunks = new ArrayList<>();
        chain.forEach(ref -> chunks.addAll(ref.chunks()));
        return chunks;
    }

    /** The table's blocks, for check and scrub. */
    List<BlockRef> blocks() {
        return List.copyOf(chain);
    }

    /** Writes the table to fresh chunks if it changed; returns the chain head (none when empty). */
    BlockRef writeChanges(SpaceMap space) throws IOException {
        if (!dirty) {
            return chain.isEmpty() ? BlockRef.NONE : chain.get(0);
        }
        for (BlockRef old : chain) {
            space.freeBlock(old);
        }
        chain.clear();
        List<List<byte[]>> blocks = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        int used = entriesOffset;
        for (SnapshotInfo info : byId.values()) {
            byte[] encoded = encode(info);
            if (used + encoded.length > io.chunkSize()) {
                blocks.add(current);
                current = new ArrayList<>();
                used = entriesOffset;
            }
            current.add(encoded);
            used += encoded.length;
        }
        if (!current.isEmpty()) {
            blocks.add(current);
        }
        for (int i = 0; i < blocks.size(); i++) {
            chain.add(space.allocateBlock());
        }
        ByteBuffer block = ByteBuffer.allocate(io.chunkSize());
        for (int i = 0; i < blocks.size(); i++) {
            java.util.Arrays.fill(block.array(), (byte) 0);
            MetaBlock.writeHeader(block, MAGIC, 0, blocks.get(i).size(), chain.get(i).primary());
            layout.putRef(block, NEXT_OFFSET, i + 1 < chain.size() ? chain.get(i + 1) : BlockRef.NONE);
            int at = entriesOffset;
            for (byte[] encoded : blocks.get(i)) {
                block.put(at, encoded);
                at += encoded.length;
            }
            io.write(chain.get(i), block);
        }
        dirty = false;
        return chain.isEmpty() ? BlockRef.NONE : chain.get(0);
    }

    private byte[] encode(SnapshotInfo info) {
        byte[] name = info.name().getBytes(StandardCharsets.UTF_8);
        ByteBuffer entry = ByteBuffer.allocate(entryFixedBytes() + name.length);
        entry.putLong(info.id()).putLong(info.created().toEpochMilli()).put((byte) info.state().code)
                .put((byte) name.length).put(name);
        if (layout.snapshotSizes) {
            entry.putLong(info.sizeBytes());
        }
        return entry.array();
    }
}
