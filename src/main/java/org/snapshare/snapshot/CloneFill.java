package org.snapshare.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.BlockDevice;

/**
 * The background copy that makes a clone independent of the volume it was
 * cloned from (docs/SNAPSHOTS.md, "Clones"). The clone's origin starts
 * empty; until chunk c is copied, the origin reads c from the source (a
 * snapshot of the other volume, kept for the clone while the copy runs) and a
 * write or deallocation of c copies it first, durably, so a resumed copy never
 * writes over it. A {@link CursorJournal} ("clone SOURCE-VOLUME SNAPSHOT BYTES
 * FROM") records what is copied. The copy never changes what the origin
 * reads, so the clone's own snapshots need no copies for it.
 */
public final class CloneFill {

    private static final Logger LOG = LoggerFactory.getLogger(CloneFill.class);
    private static final String KIND = "clone";
    /** Names of the snapshots that keep a clone's source (internal: never served, never a user's name). */
    private static final String SOURCE_PREFIX = "clone:";
    private static final int CURSOR_EVERY_CHUNKS = 256;
    private static final int STRIPES = 64;

    /**
     * What a clone copies: snapshot {@code snapshot} (kept for it) of volume
     * {@code volume}, {@code sizeBytes} long; {@code from} is what the user
     * named ("VOLUME@SNAPSHOT" or "VOLUME").
     */
    public record Source(String volume, String snapshot, long sizeBytes, String from) {
    }

    /** Told once every chunk is copied (the copy's journal is still there: {@link #forget} removes it). */
    @FunctionalInterface
    public interface Completion {
        void copied(CloneFill fill);
    }

    private final BlockDevice origin;
    private final CursorJournal journal;
    private final Source source;
    private final String clone;
    private final int chunkSize;
    private final long chunks;
    private final Set<Long> done = ConcurrentHashMap.newKeySet();
    private final ReentrantReadWriteLock[] stripes = new ReentrantReadWriteLock[STRIPES];
    private final Object journalLock = new Object();
    private final CloneOrigin device = new CloneOrigin(this);
    private volatile long cursor;
    private volatile long durableCursor;
    private volatile LogicalUnit reader;
    private volatile Completion completion = fill -> { };
    private volatile boolean stopped;
    private volatile boolean over;
    private volatile IOException failure;
    private Thread thread;

    private CloneFill(String clone, BlockDevice origin, CursorJournal journal, Source source, int chunkSize,
            long cursor, Set<Long> done) {
        this.clone = clone;
        this.origin = origin;
        this.journal = journal;
        this.source = source;
        this.chunkSize = chunkSize;
        this.chunks = (source.sizeBytes() + chunkSize - 1) / chunkSize;
        this.cursor = cursor;
        this.durableCursor = cursor;
        this.done.addAll(done);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantReadWriteLock();
        }
    }

    /** The name of the snapshot of the source volume that keeps clone {@code clone}'s data while it copies. */
    public static String sourceSnapshotName(String clone, long nonce) {
        return SOURCE_PREFIX + clone + ":" + Long.toHexString(nonce);
    }

    /** True for the snapshots {@link #sourceSnapshotName} names. */
    public static boolean isSourceSnapshot(String snapshot) {
        return snapshot.startsWith(SOURCE_PREFIX);
    }

    private static CursorJournal journalAt(Path journalPath) {
        return new CursorJournal(journalPath, KIND, 4);
    }

    /** Records a new clone's copy, before its volume exists: opening the volume then serves it through it. */
    public static void begin(Path journalPath, Source source) throws IOException {
        CursorJournal journal = journalAt(journalPath);
        journal.begin(List.of(source.volume(), source.snapshot(), Long.toString(source.sizeBytes()), source.from()));
        journal.close();
    }

    /** The source the journal at {@code journalPath} names, if there is a journal (for an offline check). */
    public static Optional<Source> recorded(Path journalPath) throws IOException {
        CursorJournal journal = journalAt(journalPath);
        Optional<List<String>> header = journal.header();
        return header.isEmpty() ? Optional.empty() : Optional.of(sourceOf(journal, header.get()));
    }

    private static Source sourceOf(CursorJournal journal, List<String> header) throws IOException {
        try {
            return new Source(header.get(0), header.get(1), Long.parseLong(header.get(2)), header.get(3));
        } catch (NumberFormatException e) {
            throw journal.notAJournal(KIND + " " + String.join(" ", header));
        }
    }

    /** The copy the journal at {@code journalPath} records, if any (it may have copied everything already). */
    public static Optional<CloneFill> resume(String clone, BlockDevice origin, Path journalPath, int chunkSize)
            throws IOException {
        CursorJournal journal = journalAt(journalPath);
        Optional<CursorJournal.Progress> progress = journal.read();
        if (progress.isEmpty()) {
            return Optional.empty();
        }
        Source source = sourceOf(journal, progress.get().header());
        if (source.sizeBytes() <= 0 || source.sizeBytes() > origin.size()) {
            journal.close();
            throw new IOException(journalPath + " records a source of " + source.sizeBytes() + " bytes, but clone "
                    + clone + " has " + origin.size() + ": the journal does not belong to this volume; restore it,"
                    + " or delete the clone and clone again");
        }
        return Optional.of(new CloneFill(clone, origin, journal, source, chunkSize, progress.get().cursor(),
                progress.get().done()));
    }

    public Source source() {
        return source;
    }

    /** The clone's origin as the volume uses it: unfilled chunks read from the source. */
    public BlockDevice device() {
        return device;
    }

    /** Starts the copy, once {@link #attach attached}; {@code whenCopied} is told when it has ended. */
    public synchronized void start(Completion whenCopied) {
        this.completion = whenCopied;
        if (thread == null && !stopped) {
            thread = new Thread(this::run, "clone-" + clone);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /**
     * Reads of chunks not copied yet go to {@code sourceUnit} from now on;
     * before any copy starts, since one clone's source may be another clone.
     */
    public void attach(LogicalUnit sourceUnit) {
        this.reader = sourceUnit;
    }

    /** True once every chunk is copied and that is durable. */
    public boolean copied() {
        return durableCursor >= chunks;
    }

    /** Fraction copied, 0..1. */
    public double progress() {
        return chunks == 0 ? 1 : Math.min(1.0, (double) cursor / chunks);
    }

    public Optional<IOException> failure() {
        return Optional.ofNullable(failure);
    }

    /** Stops the copy (it resumes from its journal on the next start) and waits for it. */
    public void stop() {
        Thread running;
        synchronized (this) {
            stopped = true;
            running = thread;
        }
        StoppedThreads.join(running);
    }

    /** The copy is over and its source let go: the journal goes. */
    public void forget() throws IOException {
        journal.finish();
        over = true;
    }

    /** True once {@link #forget} ran: the clone no longer needs its source. */
    public boolean over() {
        return over;
    }

    void close() throws IOException {
        stop();
        try {
            journal.close();
        } finally {
            origin.close();
        }
    }

    BlockDevice inner() {
        return origin;
    }

    int chunkSize() {
        return chunkSize;
    }

    boolean isCopied(long chunk) {
        return chunk >= chunks || chunk < cursor || done.contains(chunk);
    }

    private ReentrantReadWriteLock stripe(long chunk) {
        return stripes[(int) (chunk % STRIPES)];
    }

    /** Reads {@code length} bytes of {@code chunk} from {@code offsetInChunk} into {@code dst}, wherever they are. */
    void read(long chunk, int offsetInChunk, ByteBuffer dst) throws IOException {
        long at = chunk * chunkSize + offsetInChunk;
        if (isCopied(chunk)) {
            origin.read(at, dst);
            return;
        }
        ReentrantReadWriteLock.ReadLock lock = stripe(chunk).readLock();
        lock.lock();
        try {
            if (isCopied(chunk)) {
                origin.read(at, dst);
            } else {
                readSource(at, dst);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Before a write to {@code chunk}: it is copied, and durably so, so that no resumed copy overwrites the write. */
    void ensureCopied(long chunk) throws IOException {
        settle(chunk, () -> copyChunk(chunk));
    }

    /**
     * Before a deallocation of all of {@code chunk}: one not copied yet is
     * deallocated at once and recorded as copied (nothing of the source is
     * needed any more); a copied one only needs its copy durable.
     */
    void deallocateWhole(long chunk) throws IOException {
        long at = chunk * chunkSize;
        // a copy a power cut undid may have reached the disk: the chunk must read zeros
        settle(chunk, () -> origin.deallocate(at, Math.min(chunkSize, origin.size() - at)));
    }

    /** A step that makes a chunk stand on its own before a change, in place of its copy. */
    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    /**
     * Makes the copy of {@code chunk} durable before a change of it: a chunk
     * copied by the background copy is covered by persisting the cursor; any
     * other gets {@code early}, is flushed and recorded "done".
     */
    private void settle(long chunk, Step early) throws IOException {
        if (chunk >= chunks || chunk < durableCursor || done.contains(chunk)) {
            return;
        }
        ReentrantReadWriteLock.WriteLock lock = stripe(chunk).writeLock();
        lock.lock();
        try {
            if (done.contains(chunk)) {
                return;
            }
            if (chunk < cursor) {
                persistCursor();
                return;
            }
            early.run();
            origin.flush();
            journal.done(chunk);
            done.add(chunk);
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        long lastPersist = System.nanoTime();
        try {
            while (!stopped && cursor < chunks) {
                long chunk = cursor;
                ReentrantReadWriteLock.WriteLock lock = stripe(chunk).writeLock();
                lock.lock();
                try {
                    if (!done.contains(chunk)) {
                        copyChunk(chunk);
                    }
                    cursor = chunk + 1;
                } finally {
                    lock.unlock();
                }
                if (chunk % CURSOR_EVERY_CHUNKS == 0 || System.nanoTime() - lastPersist > 1_000_000_000L) {
                    persistCursor();
                    lastPersist = System.nanoTime();
                }
            }
            persistCursor();
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            LOG.error("clone {}: copying from {} stopped at chunk {}: {}; it resumes on the next start", clone,
                    source.from(), cursor, e.getMessage(), e);
            return;
        }
        if (copied()) {
            LOG.info("clone {}: every chunk copied from {}", clone, source.from());
            completion.copied(this);
        }
    }

    /** Copies one chunk from the source; a chunk of zeros is left as it is (the new origin reads zeros there). */
    private void copyChunk(long chunk) throws IOException {
        long at = chunk * chunkSize;
        ByteBuffer content = ByteBuffer.allocate((int) Math.min(chunkSize, source.sizeBytes() - at));
        readSource(at, content);
        content.flip();
        if (!allZeros(content)) {
            origin.write(at, content);
        }
    }

    private void readSource(long at, ByteBuffer dst) throws IOException {
        LogicalUnit from = reader;
        if (from == null) {
            throw new IOException("clone " + clone + ": its source, " + source.from() + ", is not open; serve volume "
                    + source.volume() + " again");
        }
        int fromSource = (int) Math.max(0, Math.min(dst.remaining(), source.sizeBytes() - at));
        from.read(at, dst.slice(dst.position(), fromSource));
        dst.position(dst.position() + fromSource);
        while (dst.hasRemaining()) {
            dst.put((byte) 0); // past the source's end: the clone grew since
        }
    }

    private static boolean allZeros(ByteBuffer content) {
        for (int i = content.position(); i < content.limit(); i++) {
            if (content.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private void persistCursor() throws IOException {
        synchronized (journalLock) {
            long target = cursor;
            if (target <= durableCursor) {
                return;
            }
            origin.flush(); // the chunks below target are on disk before the journal says so
            journal.cursor(target);
            durableCursor = target;
        }
    }
}
