package org.snapshare.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Rebuilds a recorded device as a power cut at a chosen moment would leave it,
 * modelling a volatile disk cache per 4 KiB page: every change covered by a
 * flush that began after the change returned and returned itself before the
 * cut is kept; each page touched by a later change (begun before the cut)
 * holds its content before those changes or after any one of them, drawn at
 * random and independently of its neighbours, so a multi-page write may be
 * torn and a later write may survive an earlier one's loss. A growth not yet
 * flushed is kept or lost as a whole; a lost one takes the pages past the old
 * end with it. A file removed or atomically replaced (each durable when its
 * call returned) before the cut is gone, or holds the new content.
 */
public final class PowerCutImage {

    public static final int PAGE = 4096;

    private PowerCutImage() {
    }

    /**
     * Writes to {@code target} the device {@code device} of {@code log} as a cut at {@code cut}
     * (System.nanoTime) leaves it, starting from {@code baseline} (the device's bytes when recording
     * began; absent: a new device of its size at open). {@code keepOld} is the chance that a page
     * keeps its content from before the unflushed changes. Returns the pages that were drawn; leaves
     * no {@code target} when the file did not exist at the cut.
     */
    public static int write(RecordedWrites log, int device, Path baseline, long cut, Random random, double keepOld,
            Path target) throws IOException {
        boolean present = Files.exists(baseline);
        if (present) {
            Files.copy(baseline, target, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(target);
            try (FileChannel created = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                created.truncate(0);
            }
            resize(target, log.devices().get(device).size());
        }
        long lastFlushStart = Long.MIN_VALUE;
        for (RecordedWrites.Change change : log.changes()) {
            if (change.device() == device && change.kind() == WriteRecorder.FLUSH && change.end() <= cut) {
                lastFlushStart = Math.max(lastFlushStart, change.start());
            }
        }
        try (FileChannel image = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Map<Long, List<byte[]>> pageVersions = new HashMap<>();
            long size = image.size();
            for (RecordedWrites.Change change : log.changes()) {
                if (change.device() != device || change.kind() == WriteRecorder.FLUSH || change.start() >= cut) {
                    continue;
                }
                if (change.kind() == WriteRecorder.REMOVE || change.kind() == WriteRecorder.REPLACE) {
                    if (change.end() <= cut) { // durable when the call returned; earlier unflushed pages go with it
                        pageVersions.clear();
                        image.truncate(0);
                        present = change.kind() == WriteRecorder.REPLACE;
                        size = present ? image.write(change.data().duplicate(), 0) : 0;
                    }
                } else if (change.end() <= lastFlushStart) {
                    present = true;
                    size = applyDurably(image, change, size);
                } else if (change.kind() == WriteRecorder.GROW) {
                    if (random.nextBoolean() && change.offset() > size) {
                        size = change.offset();
                    }
                } else {
                    present = true;
                    addVersions(image, change, pageVersions);
                }
            }
            image.truncate(Math.min(image.size(), size));
            if (image.size() < size) {
                image.write(ByteBuffer.allocate(1), size - 1);
            }
            for (Map.Entry<Long, List<byte[]>> page : pageVersions.entrySet()) {
                long offset = page.getKey() * PAGE;
                if (offset >= size || random.nextDouble() < keepOld) {
                    continue;
                }
                List<byte[]> versions = page.getValue();
                byte[] chosen = versions.get(random.nextInt(versions.size()));
                image.write(ByteBuffer.wrap(chosen, 0, (int) Math.min(PAGE, size - offset)), offset);
            }
            if (present) {
                return pageVersions.size();
            }
        }
        Files.delete(target);
        return 0;
    }

    private static void resize(Path file, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (size > 0) {
                channel.write(ByteBuffer.allocate(1), size - 1);
            }
        }
    }

    /** Applies a flushed change; returns the device size after it. */
    private static long applyDurably(FileChannel image, RecordedWrites.Change change, long size) throws IOException {
        switch (change.kind()) {
            case WriteRecorder.WRITE -> image.write(change.data().duplicate(), change.offset());
            case WriteRecorder.PUNCH -> {
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long done = 0; done < change.length(); done += zeros.capacity()) {
                    image.write(zeros.clear().limit((int) Math.min(zeros.capacity(), change.length() - done)),
                            change.offset() + done);
                }
            }
            case WriteRecorder.GROW -> {
                return Math.max(size, change.offset());
            }
            default -> throw new IllegalStateException("kind " + change.kind());
        }
        return Math.max(size, change.offset() + change.length());
    }

    /** Adds each touched page's content after {@code change} to its versions (the first built on the image's page). */
    private static void addVersions(FileChannel image, RecordedWrites.Change change, Map<Long, List<byte[]>> versions)
            throws IOException {
        long first = change.offset() / PAGE;
        long last = (change.offset() + change.length() - 1) / PAGE;
        for (long page = first; page <= last; page++) {
            List<byte[]> pageVersions = versions.computeIfAbsent(page, p -> new ArrayList<>());
            byte[] content = pageVersions.isEmpty() ? readPage(image, page) : pageVersions.get(pageVersions.size() - 1).clone();
            long from = Math.max(change.offset(), page * PAGE);
            long to = Math.min(change.offset() + change.length(), (page + 1) * PAGE);
            if (change.kind() == WriteRecorder.WRITE) {
                change.data().get((int) (from - change.offset()), content, (int) (from - page * PAGE), (int) (to - from));
            } else {
                java.util.Arrays.fill(content, (int) (from - page * PAGE), (int) (to - page * PAGE), (byte) 0);
            }
            pageVersions.add(content);
        }
    }

    private static byte[] readPage(FileChannel image, long page) throws IOException {
        ByteBuffer content = ByteBuffer.allocate(PAGE);
        image.read(content, page * PAGE); // past the end reads nothing: zeros
        return content.array();
    }
}
