package org.snapshare.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Snapshot names, ids, states and creation times. Ids are assigned here,
 * 64-bit and increasing, never reused. On disk a chain of table blocks,
 * rewritten to fresh chunks when it changed (snapshot operations are rare).
 * Format 4 keeps each snapshot's identity (a UUID a received snapshot
 * shares with its source); before, the identity is derived from the store's
 * nonce and the id. Format 6 keeps the snapshot each was taken of (its parent).
 */
final class SnapshotTable {

    static final int MAX_NAME_BYTES = 200;
    private final StoreLayout layout;
    private final long storeNonce;
    private final BlockChain chain;
    private final Map<Long, SnapshotInfo> byId = new TreeMap<>();
    private long nextId;
    /** Parents and the ids whose data must stay, built when first asked for after a change. */
    private SnapshotTree tree;

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
            long parent = layout.snapshotParents ? block.getLong(at + 42 + length) : 0;
            if (parent < 0 || parent >= id) {
                throw new StoreCorruptException("snapshot table block at chunk " + where.primary() + " says snapshot "
                        + id + " was taken of snapshot " + parent + ", which is not older");
            }
            byId.put(id, new SnapshotInfo(id, new String(name, StandardCharsets.UTF_8), state, created, size,
                    identity, parent));
            at += fixed + length;
        }
    }

    long nextId() {
        return nextId;
    }

    List<SnapshotInfo> all() {
        return new ArrayList<>(byId.values());
    }

    /** The ids whose data must stay: live snapshots and their ancestors. */
    LiveIds liveIds() {
        return tree().kept();
    }

    SnapshotTree tree() {
        if (tree == null) {
            Map<Long, Long> parents = new HashMap<>();
            Set<Long> kept = new TreeSet<>();
            for (SnapshotInfo info : byId.values()) {
                if (info.parentId() != 0) {
                    parents.put(info.id(), info.parentId());
                }
                if (info.state() == SnapshotState.LIVE) {
                    for (long at = info.id(); at != 0 && kept.add(at); at = parents.getOrDefault(at, 0L)) {
                        // an ancestor already kept has its own ancestors kept too
                    }
                }
            }
            tree = new SnapshotTree(parents, kept.stream().mapToLong(Long::longValue).toArray());
        }
        return tree;
    }

    /** The table changed: states, ids and names as the next commit writes them. */
    private void changed() {
        chain.changed();
        tree = null;
    }

    Optional<SnapshotInfo> byName(String name) {
        return byId.values().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    Optional<SnapshotInfo> byId(long id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * Bytes of an entry besides its name: id, time, state, name length; the
     * volume's size from format 3, the identity from format 4, the parent from format 6.
     */
    private int entryFixedBytes() {
        return 18 + (layout.snapshotSizes ? 8 : 0) + (layout.snapshotIdentities ? 16 : 0)
                + (layout.snapshotParents ? 8 : 0);
    }

    /** The identity of a snapshot in a store before format 4: unique while the store lives, never stored. */
    private UUID derivedIdentity(long id) {
        return new UUID(storeNonce, id);
    }

    /**
     * A new live snapshot; {@code identity} is kept from format 4 on (a
     * received snapshot's is its source's), and derived from the id before;
     * {@code parentId}: the live snapshot it is taken of (format 6), 0 for the origin.
     */
    SnapshotInfo add(String name, Instant created, long sizeBytes, UUID identity, long parentId)
            throws StoreException {
        checkName(name);
        if (layout.snapshotIdentities && byId.values().stream().anyMatch(s -> s.identity().equals(identity))) {
            throw new StoreException("a snapshot with identity " + identity + " already exists");
        }
        if (parentId != 0) {
            requireParent(parentId);
        }
        long id = nextId++;
        SnapshotInfo info = new SnapshotInfo(id, name, SnapshotState.LIVE, created,
                layout.snapshotSizes ? sizeBytes : 0, layout.snapshotIdentities ? identity : derivedIdentity(id),
                parentId);
        byId.put(info.id(), info);
        changed();
        return info;
    }

    private void requireParent(long parentId) throws StoreException {
        if (!layout.snapshotParents) {
            throw new StoreException("this volume's store has format version " + layout.version + ": snapshots of"
                    + " snapshots need format 6 or later (volumes created by this version); snapshot the origin, or"
                    + " send the volume to a new one (docs/STREAM.md)");
        }
        SnapshotInfo parent = byId.get(parentId);
        // A deleted snapshot kept for its descendants still holds its data: a reset of one of them is taken of it.
        boolean kept = parent != null && parent.state() == SnapshotState.DELETING && tree().hasDescendants(parentId);
        if (parent == null || (parent.state() != SnapshotState.LIVE && !kept)) {
            throw new StoreException("a snapshot can only be taken of a live snapshot; snapshot id " + parentId + " is "
                    + (parent == null ? "gone" : parent.state().name().toLowerCase()));
        }
    }

    void setState(long id, SnapshotState state) throws StoreException {
        SnapshotInfo info = byId.get(id);
        if (info == null) {
            throw new StoreException("no snapshot with id " + id);
        }
        byId.put(id, info.withState(state));
        changed();
    }

    /** A new name for snapshot {@code id}: one no other snapshot has. */
    void rename(long id, String name) throws StoreException {
        SnapshotInfo info = byId.get(id);
        if (info == null) {
            throw new StoreException("no snapshot with id " + id);
        }
        checkName(name);
        byId.put(id, new SnapshotInfo(id, name, info.state(), info.created(), info.sizeBytes(), info.identity(),
                info.parentId()));
        changed();
    }

    private void checkName(String name) throws StoreException {
        if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new StoreException("snapshot name must be 1 to " + MAX_NAME_BYTES + " bytes");
        }
        if (byName(name).isPresent()) {
            throw new StoreException("a snapshot named " + name + " already exists");
        }
    }

    /** Names for a log line: thousands of snapshots would make one line of a hundred kilobytes. */
    static String fewOf(List<String> names) {
        int shown = 20;
        return names.size() <= shown ? names.toString()
                : names.subList(0, shown).toString().replace("]", ", ... and " + (names.size() - shown) + " more]");
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

    int blockCount() {
        return chain.size();
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
        if (layout.snapshotParents) {
            entry.putLong(info.parentId());
        }
        return entry.array();
    }
}
