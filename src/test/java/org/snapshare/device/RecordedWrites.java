package org.snapshare.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A {@link WriteRecorder} log read back: the devices it names and their changes, in the order they ended. */
public final class RecordedWrites {

    /**
     * One change; {@code data} (read-only, a view of the mapped log) only for writes and replacements,
     * {@code offset}/{@code length} the range (or the new size of a growth).
     */
    public record Change(byte kind, int device, long start, long end, long offset, long length, ByteBuffer data) {
    }

    /** A file as first named: its path, its size then, and when (System.nanoTime). */
    public record Opened(Path path, long size, long opened) {
    }

    private final Map<Integer, Opened> devices = new HashMap<>();
    private final List<Change> changes = new ArrayList<>();

    private RecordedWrites() {
    }

    /**
     * Reads a whole log, mapped rather than copied (a run's log holds every byte written: hundreds of
     * MiB); a record cut short at the end (the process died writing it) is left out.
     */
    public static RecordedWrites read(Path log) throws IOException {
        ByteBuffer all;
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new IOException(log + " is larger than this reader takes (2 GiB)");
            }
            all = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
        }
        RecordedWrites recorded = new RecordedWrites();
        while (all.remaining() >= 21) {
            int mark = all.position();
            if (!recorded.readRecord(all)) {
                all.position(mark);
                break;
            }
        }
        return recorded;
    }

    private boolean readRecord(ByteBuffer in) throws IOException {
        byte kind = in.get();
        int device = in.getInt();
        long start = in.getLong();
        long end = in.getLong();
        switch (kind) {
            case WriteRecorder.OPEN -> {
                if (in.remaining() < 12 || in.remaining() - 12 < in.getInt(in.position() + 8)) {
                    return false;
                }
                long size = in.getLong();
                byte[] name = new byte[in.getInt()];
                in.get(name);
                devices.put(device, new Opened(Path.of(new String(name, StandardCharsets.UTF_8)), size, start));
            }
            case WriteRecorder.WRITE -> {
                if (in.remaining() < 12 || in.remaining() - 12 < in.getInt(in.position() + 8)) {
                    return false;
                }
                long offset = in.getLong();
                int length = in.getInt();
                changes.add(new Change(kind, device, start, end, offset, length, slice(in, length)));
            }
            case WriteRecorder.FLUSH -> changes.add(new Change(kind, device, start, end, 0, 0, null));
            case WriteRecorder.PUNCH -> {
                if (in.remaining() < 16) {
                    return false;
                }
                changes.add(new Change(kind, device, start, end, in.getLong(), in.getLong(), null));
            }
            case WriteRecorder.GROW -> {
                if (in.remaining() < 8) {
                    return false;
                }
                changes.add(new Change(kind, device, start, end, in.getLong(), 0, null));
            }
            case WriteRecorder.REMOVE -> changes.add(new Change(kind, device, start, end, 0, 0, null));
            case WriteRecorder.REPLACE -> {
                if (in.remaining() < 4 || in.remaining() - 4 < in.getInt(in.position())) {
                    return false;
                }
                int length = in.getInt();
                changes.add(new Change(kind, device, start, end, 0, length, slice(in, length)));
            }
            default -> throw new IOException("write log: unknown record kind " + kind + " at byte "
                    + (in.position() - 21));
        }
        return true;
    }

    /** The next {@code length} bytes of {@code in} as a read-only view; {@code in} moves past them. */
    private static ByteBuffer slice(ByteBuffer in, int length) {
        ByteBuffer view = in.slice(in.position(), length).asReadOnlyBuffer();
        in.position(in.position() + length);
        return view;
    }

    /** The devices by id. */
    public Map<Integer, Opened> devices() {
        return devices;
    }

    /** The id of the device at {@code path}, or -1 when the log never names it. */
    public int deviceId(Path path) {
        Path wanted = path.toAbsolutePath().normalize();
        return devices.entrySet().stream().filter(e -> e.getValue().path().equals(wanted))
                .mapToInt(Map.Entry::getKey).findFirst().orElse(-1);
    }

    /** Every change, in the order the calls ended. */
    public List<Change> changes() {
        return changes;
    }
}
