package org.snapshare.it;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Random;
import org.snapshare.control.ControlClient;
import org.snapshare.control.ControlRequest;
import org.snapshare.control.ControlResponse;
import org.snapshare.iscsi.BlockSession;

/**
 * The client side of {@link PowerCutTrial}: one command at a time against a
 * server, each noted with when it was sent and acknowledged, so that
 * {@link LunModel}s can say what every LUN may hold after a cut at any
 * moment. On volume {@value #VOLUME}: writes, flushes and UNMAPs to the
 * origin and its snapshots, snapshot create, delete and rollback, resize;
 * and replication: a snapshot exported (in full, then incrementally) and
 * imported into volume {@value #REPLICA} on the same server. LUNs are named
 * by their target's suffix: "pc", "pc.s0", "rp", "rp.s0".
 */
final class PowerCutWorkload {

    static final String VOLUME = "pc";
    static final String REPLICA = "rp";
    static final int VOLUME_BYTES = 16 << 20;
    /** What resizes may grow it to. */
    private static final int MAX_VOLUME_BYTES = 32 << 20;
    private static final int MAX_SNAPSHOTS = 4;

    private final Random random;
    private final InetSocketAddress portal;
    private final ControlClient control;
    private final long start;
    /** The LUNs of {@value #VOLUME} a client may use now. */
    private final Map<String, LunModel> luns = new LinkedHashMap<>();
    /** Every LUN there was, deleted snapshots and the replica's too: a cut before a delete must find its content. */
    final Map<String, LunModel> models = new LinkedHashMap<>();
    /** When each LUN's create (a snapshot, the replica's first import) or delete was sent and acknowledged. */
    final Map<String, long[]> created = new LinkedHashMap<>();
    final Map<String, long[]> deleted = new LinkedHashMap<>();
    private final Map<String, BlockSession> sessions = new LinkedHashMap<>();
    private final StringBuilder log = new StringBuilder();
    private int nextWriteId = 1;
    private int snapshotsMade;
    /** The snapshot the replica last received (the base of the next incremental stream), or null. */
    private String replicated;

    PowerCutWorkload(Random random, InetSocketAddress portal, ControlClient control) {
        this.random = random;
        this.portal = portal;
        this.control = control;
        this.start = System.nanoTime();
        luns.put(VOLUME, LunModel.zeros(VOLUME_BYTES / LunModel.BLOCK));
        models.put(VOLUME, luns.get(VOLUME));
    }

    /** The moment the workload began, on the clock all times here use (System.nanoTime). */
    long start() {
        return start;
    }

    /** What was done, a line an operation with its time after {@link #start()}. */
    String operations() {
        return log.toString();
    }

    static String target(String lun) {
        return ServerProcess.IQN + lun;
    }

    void step() throws Exception {
        List<String> snapshots = new ArrayList<>(luns.keySet());
        snapshots.remove(VOLUME);
        String snapshot = snapshots.isEmpty() ? null : snapshots.get(random.nextInt(snapshots.size()));
        int dice = random.nextInt(100);
        if (dice < 4 && snapshots.size() < MAX_SNAPSHOTS) {
            createSnapshot();
        } else if (dice < 7 && snapshot != null) {
            rollback(snapshot);
        } else if (dice < 10 && origin().blockCount() * LunModel.BLOCK < MAX_VOLUME_BYTES) {
            resize();
        } else if (dice < 12 && snapshot != null) {
            deleteSnapshot(snapshot);
        } else if (dice < 15 && snapshot != null) {
            replicate(snapshot);
        } else {
            String lun = snapshot == null || random.nextInt(3) > 0 ? VOLUME : snapshot;
            if (dice < 23) {
                flush(lun);
            } else if (dice < 29) {
                unmap(lun);
            } else {
                write(lun);
            }
        }
    }

    private LunModel origin() {
        return luns.get(VOLUME);
    }

    private void createSnapshot() throws IOException {
        String name = VOLUME + ".s" + snapshotsMade++;
        long sent = System.nanoTime();
        List<BitSet> content = origin().allowed(sent);
        command(ControlRequest.of("snapshot", "create", VOLUME, suffix(name)));
        created.put(name, new long[] {sent, System.nanoTime()});
        luns.put(name, new LunModel(content));
        models.put(name, luns.get(name));
        note(sent, "create " + name + " of " + content.size() + " blocks");
    }

    private void rollback(String snapshot) throws IOException, InterruptedException {
        long sent = System.nanoTime();
        List<BitSet> content = luns.get(snapshot).allowed(sent);
        command(ControlRequest.of("snapshot", "rollback", VOLUME, suffix(snapshot)));
        origin().replaced(content, sent, System.nanoTime());
        note(sent, "rollback to " + snapshot);
        awaitRollback();
    }

    private void resize() throws IOException {
        int blocks = origin().blockCount() + (1 + random.nextInt(4)) * (1 << 20) / LunModel.BLOCK;
        long sent = System.nanoTime();
        command(ControlRequest.of("volume", "resize", VOLUME).with("size",
                Optional.of(Long.toString((long) blocks * LunModel.BLOCK))));
        origin().grown(blocks, sent, System.nanoTime());
        note(sent, "resize to " + blocks + " blocks");
    }

    private void deleteSnapshot(String snapshot) throws IOException {
        BlockSession session = sessions.remove(snapshot);
        if (session != null) {
            session.close();
        }
        long sent = System.nanoTime();
        command(ControlRequest.of("snapshot", "delete", VOLUME, suffix(snapshot)).withFlag("force", true));
        deleted.put(snapshot, new long[] {sent, System.nanoTime()});
        luns.remove(snapshot);
        note(sent, "delete " + snapshot);
        if (snapshot.equals(replicated)) {
            replicated = null; // no base left for an incremental stream: the replica stops here
        }
    }

    /**
     * Sends the snapshot to the replica: a full stream the first time (it creates the replica), then
     * streams since the snapshot sent last, while that one lives and has the same size. The replica's
     * origin holds the snapshot from the acknowledgement on (an import is durable when it returns).
     */
    private void replicate(String snapshot) throws IOException {
        boolean first = !created.containsKey(REPLICA);
        String replicaSnapshot = REPLICA + "." + suffix(snapshot);
        if (!first && (replicated == null || models.containsKey(replicaSnapshot)
                || luns.get(replicated).blockCount() != luns.get(snapshot).blockCount())) {
            return;
        }
        String base = replicated;
        long sent = System.nanoTime();
        List<BitSet> content = luns.get(snapshot).allowed(sent);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        ControlResponse exported = control.exchange(ControlRequest.of("snapshot", "export", VOLUME, suffix(snapshot))
                .with("since", first ? Optional.empty() : Optional.of(suffix(base))).encode(), null, stream);
        if (!exported.ok) {
            throw new IOException("export of " + snapshot + " failed: " + exported.text);
        }
        ControlResponse imported = control.exchange(ControlRequest.of("snapshot", "import", REPLICA).encode(),
                new ByteArrayInputStream(stream.toByteArray()), OutputStream.nullOutputStream());
        if (!imported.ok) {
            throw new IOException("import of " + snapshot + " into " + REPLICA + " failed: " + imported.text);
        }
        long acked = System.nanoTime();
        if (first) {
            created.put(REPLICA, new long[] {sent, acked});
            models.put(REPLICA, new LunModel(content));
        } else {
            models.get(REPLICA).replaced(content, sent, acked);
        }
        created.put(replicaSnapshot, new long[] {sent, acked});
        models.put(replicaSnapshot, new LunModel(content));
        replicated = snapshot;
        note(sent, "replicate " + snapshot + (first ? " in full" : " since " + base) + ", "
                + stream.size() + " bytes");
    }

    private void flush(String lun) throws Exception {
        long sent = System.nanoTime();
        session(lun).synchronizeCache();
        luns.get(lun).flushed(sent, System.nanoTime());
        note(sent, "flush " + lun);
    }

    private void unmap(String lun) throws Exception {
        LunModel model = luns.get(lun);
        int blocks = 1 + random.nextInt(40);
        int first = random.nextInt(model.blockCount() - blocks + 1);
        int perBlock = LunModel.BLOCK / BlockSession.BLOCK;
        long sent = System.nanoTime();
        session(lun).unmap((long) first * perBlock, blocks * perBlock);
        model.unmapped(first, blocks, sent, System.nanoTime());
        note(sent, "unmap " + lun + " blocks " + first + "+" + blocks);
    }

    private void write(String lun) throws Exception {
        LunModel model = luns.get(lun);
        int blocks = 1 + random.nextInt(BlockSession.MAX_WRITE / LunModel.BLOCK);
        int first = random.nextInt(model.blockCount() - blocks + 1);
        int id = nextWriteId++;
        ByteBuffer data = ByteBuffer.allocate(blocks * LunModel.BLOCK);
        long firstSector = (long) first * (LunModel.BLOCK / LunModel.SECTOR);
        for (long sector = firstSector; data.hasRemaining(); sector++) {
            LunModel.stamp(data, id, sector);
        }
        long sent = System.nanoTime();
        session(lun).write(firstSector, data.array());
        model.changed(first, blocks, LunModel.ids(id), sent, System.nanoTime());
        note(sent, "write " + id + " to " + lun + " blocks " + first + "+" + blocks);
    }

    private BlockSession session(String lun) throws Exception {
        BlockSession session = sessions.get(lun);
        if (session == null) {
            session = new BlockSession(portal, target(lun));
            sessions.put(lun, session);
        }
        return session;
    }

    void closeSessions() throws IOException {
        for (BlockSession session : sessions.values()) {
            session.close();
        }
        sessions.clear();
    }

    /** "s3" of "pc.s3": the name the CLI and control socket use. */
    private static String suffix(String lun) {
        return lun.substring(lun.indexOf('.') + 1);
    }

    private void note(long sent, String what) {
        log.append(String.format("%.1f ms: %s%n", (sent - start) / 1e6, what));
    }

    /** Waits (at most 60 s) until the volume's rollback has finished. */
    private void awaitRollback() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!control.send(ControlRequest.of("snapshot", "rollback-status", VOLUME).encode()).text.strip()
                .equals("idle")) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the rollback of " + VOLUME + " did not finish in 60 s");
            }
            Thread.sleep(20);
        }
    }

    private void command(ControlRequest request) throws IOException {
        ControlResponse response = control.send(request.encode());
        if (!response.ok) {
            throw new IOException(String.join(" ", request.encode()) + " failed: " + response.text);
        }
    }
}
