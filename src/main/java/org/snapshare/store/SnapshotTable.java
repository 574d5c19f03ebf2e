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
import java.util.UUID;

/**
 * Snapshot names, ids, states and creation times. Ids are assigned here,
 * 64-bit and increasing, never reused. On disk a chain of table blocks,
 * rewritten to fresh chunks when it changed (snapshot operations are rare).
 * Format 4 keeps each snapshot's identity (a UUID a received snapshot
 * shares with its source); before, the identity is derived from the store's
 * nonce and the id.
 */
final class SnapshotTable {

    static final int MAX_NAME_BYTES = 200;
    private final StoreLayout layout;
    private final long storeNonce;
    private final BlockChain chain;
    private final Map<Long, SnapshotInfo> byId = new TreeMap<>();
    private long nextId;
    /** The live ids, built when first asked for after a change. */
    private LiveIds live;

    private SnapshotTable(MetadataIo io, Superblock superblock, long nextId) {
        this.layout = superblock.layout();
        this.storeNonce = superblock.nonce;
        this.chain = new BlockChain(io, layout, BlockKind.SNAPSHOT_TABLE);
        this.nextId = nextId;
    }

    static SnapshotTable load(MetadataIo io, Superblock superblock, BlockRef head, long nextId, long chunkCount)
            throws IOException {
        SnapshotTable table = new SnapshotTable(io, superblock, nextId);
        table.chain.load(head, chunkCount, table::readBlock);
        return table;
    }

    private void readBlock(ByteBuffer block, int count, int offset, BlockRef where) throws StoreCorruptException {
        int at = offset;
        int fixed = entryFixedBytes();
        for (int i = 0; i < count; i++) {
            if (at + fixed > block.capacity() || at + fixed + (block.get(at + 17) & 0xff) > block.capacity()) {
                throw new StoreCorruptException("snapshot table block at chunk " + where.primary()
                        + " lists more entries than it holds");
            }
            long id = block.getLong(at);
            Instant created = Instant.ofEpochMilli(block.getLong(at + 8));
            SnapshotState state = SnapshotState.of(block.get(at + 16));
            int length = block.get(at + 17) & 0xff;
            byte[] name = new byte[length];
            block.get(at + 18, name);
            long size = layout.snapshotSizes ? block.getLong(at + 18 + length) : 0;
            UUID identity = layout.snapshotIdentities
                    ? new UUID(block.getLong(at + 26 + length), block.getLong(at + 34 + length))
                    : derivedIdentity(id);
            byId.put(id, new SnapshotInfo(id, new String(name, StandardCharsets.UTF_8), state, created, size,
                    identity));
            at += fixed + length;
        }
    }

    long nextId() {
        return nextId;
    }

    List<SnapshotInfo> all() {
        return new ArrayList<>(byId.values());
    }

    LiveIds liveIds() {
        if (live == null) {
            live = new LiveIds(byId.values().stream().filter(s -> s.state() == SnapshotState.LIVE)
                    .mapToLong(SnapshotInfo::id).toArray()); // byId is a TreeMap: in id order
        }
        return live;
    }

    /** The table changed: states, ids and names as the next commit writes them. */
    private void changed() {
        chain.changed();
        live = null;
    }

    Optional<SnapshotInfo> byName(String name) {
        return byId.values().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    Optional<SnapshotInfo> byId(long id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * Bytes of an entry besides its name: id, time, state, name length; the
     * volume's size from format 3, the identity from format 4.
     */
    private int entryFixedBytes() {
        return 18 + (layout.snapshotSizes ? 8 : 0) + (layout.snapshotIdentities ? 16 : 0);
    }

    /** The identity of a snapshot in a store before format 4: unique while the store lives, never stored. */
    private UUID derivedIdentity(long id) {
        return new UUID(storeNonce, id);
    }

    /**
     * A new live snapshot; {@code identity} is kept from format 4 on (a
     * received snapshot's is its source's), and derived from the id before.
     */
    SnapshotInfo add(String name, Instant created, long sizeBytes, UUID identity) throws StoreException {
        if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new StoreException("snapshot name must be 1 to " + MAX_NAME_BYTES + " bytes");
        }
        if (byName(name).isPresent()) {
            throw new StoreException("a snapshot named " + name + " already exists");
        }
        if (layout.snapshotIdentities && byId.values().stream().anyMatch(s -> s.identity().equals(identity))) {
            throw new StoreException("a snapshot with identity " + identity + " already exists");
        }
        long id = nextId++;
        SnapshotInfo info = new SnapshotInfo(id, name, SnapshotState.LIVE, created,
                layout.snapshotSizes ? sizeBytes : 0, layout.snapshotIdentities ? identity : derivedIdentity(id));
        byId.put(info.id(), info);
        changed();
        return info;
    }

    void setState(long id, SnapshotState state) throws StoreException {
        SnapshotInfo info = byId.get(id);
        if (info == null) {
            throw new StoreException("no snapshot with id " + id);
        }
        byId.put(id, info.withState(state));
        changed();
    }

    /** Forgets a snapshot whose chunks are all reclaimed; its id is never given out again. */
    void remove(long id) {
        if (byId.remove(id) != null) {
            changed();
        }
    }

    /** Every chunk of the table (copies too). */
    List<Long> chunks() {
        return chain.chunks();
    }

    /** The table's blocks, for check and scrub. */
    List<BlockRef> blocks() {
        return chain.blocks();
    }

    /** Writes the table to fresh chunks if it changed; returns the chain head (none when empty). */
    BlockRef writeChanges(SpaceMap space) throws IOException {
        return chain.writeChanges(space, () -> byId.values().stream().map(this::encode).toList());
    }

    private byte[] encode(SnapshotInfo info) {
        byte[] name = info.name().getBytes(StandardCharsets.UTF_8);
        ByteBuffer entry = ByteBuffer.allocate(entryFixedBytes() + name.length);
        entry.putLong(info.id()).putLong(info.created().toEpochMilli()).put((byte) info.state().code)
                .put((byte) name.length).put(name);
        if (layout.snapshotSizes) {
            entry.putLong(info.sizeBytes());
        }
        if (layout.snapshotIdentities) {
            entry.putLong(info.identity().getMostSignificantBits()).putLong(info.identity().getLeastSignificantBits());
        }
        return entry.array();
    }
}
