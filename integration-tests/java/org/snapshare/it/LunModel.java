package org.snapshare.it;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * What a LUN may hold after a power cut, per 4 KiB block, from the commands a
 * one-at-a-time client sent and when each was acknowledged: everything a
 * SYNCHRONIZE CACHE acknowledged before the cut covered must be there, and a
 * block may hold only that or what was written to it later (acknowledged or
 * merely sent), as a write-back cache allows. Contents are named by write id
 * (0: zeros), each 512-byte sector stamped so a read tells which write it
 * came from.
 */
final class LunModel {

    static final int BLOCK = 4096;
    static final int SECTOR = 512;
    private static final int MAGIC = 0x50434d4c; // "PCML"

    /**
     * One state of a block: the write ids it may hold, from the command sent at {@code sent},
     * acknowledged at {@code acked}; {@code durableOnAck} when no flush is needed to keep it.
     */
    private record Version(BitSet ids, long sent, long acked, boolean durableOnAck) {
    }

    private record Flush(long sent, long acked) {
    }

    private final List<List<Version>> blocks = new ArrayList<>();
    private final List<Flush> flushes = new ArrayList<>();
    /** Each size the LUN had, in blocks, with the command that set it: {blocks, sent, acked}. */
    private final List<long[]> sizes = new ArrayList<>();

    /** A LUN of {@code blockCount} blocks holding {@code initial.get(i)} at block i from the start, as if flushed. */
    LunModel(List<BitSet> initial) {
        for (BitSet ids : initial) {
            List<Version> versions = new ArrayList<>();
            versions.add(new Version(ids, Long.MIN_VALUE, Long.MIN_VALUE, true));
            blocks.add(versions);
        }
        sizes.add(new long[] {initial.size(), Long.MIN_VALUE, Long.MIN_VALUE});
    }

    /** Grown to {@code blockCount} blocks (reading zeros) by a command sent and acknowledged then. */
    void grown(int blockCount, long sent, long acked) {
        while (blocks.size() < blockCount) {
            List<Version> versions = new ArrayList<>();
            versions.add(new Version(ids(0), Long.MIN_VALUE, Long.MIN_VALUE, true));
            blocks.add(versions);
        }
        sizes.add(new long[] {blockCount, sent, acked});
    }

    /** The sizes in blocks the LUN may have after a cut at {@code cut}: the last acknowledged one, or a later one sent. */
    java.util.Set<Long> allowedSizes(long cut) {
        java.util.Set<Long> allowed = new java.util.TreeSet<>();
        for (long[] size : sizes) {
            if (size[2] <= cut) {
                allowed.clear();
            }
            if (size[1] < cut) {
                allowed.add(size[0]);
            }
        }
        return allowed;
    }

    static LunModel zeros(int blockCount) {
        List<BitSet> initial = new ArrayList<>();
        for (int i = 0; i < blockCount; i++) {
            initial.add(ids(0));
        }
        return new LunModel(initial);
    }

    static BitSet ids(int... ids) {
        BitSet set = new BitSet();
        for (int id : ids) {
            set.set(id);
        }
        return set;
    }

    int blockCount() {
        return blocks.size();
    }

    /** Blocks {@code first} to {@code first + count - 1} were given {@code ids} by a command sent and acknowledged then. */
    void changed(int first, int count, BitSet ids, long sent, long acked) {
        for (int block = first; block < first + count; block++) {
            blocks.get(block).add(new Version(ids, sent, acked, false));
        }
    }

    /**
     * Blocks {@code first} to {@code first + count - 1} were unmapped: they read zeros or, where the
     * target kept a chunk mapped (a snapshot still reads it from the origin; SBC lets UNMAP leave
     * blocks mapped), what they held before.
     */
    void unmapped(int first, int count, long sent, long acked) {
        for (int block = first; block < first + count; block++) {
            BitSet ids = allowed(block, sent);
            ids.set(0);
            blocks.get(block).add(new Version(ids, sent, acked, false));
        }
    }

    /**
     * Given a snapshot's content that may be {@code content} (blocks past its end keep theirs) by a
     * rollback or an import: durable from the acknowledgement on, as the rollback's journal and an
     * import's commit are.
     */
    void replaced(List<BitSet> content, long sent, long acked) {
        for (int block = 0; block < content.size(); block++) {
            blocks.get(block).add(new Version(content.get(block), sent, acked, true));
        }
    }

    void flushed(long sent, long acked) {
        flushes.add(new Flush(sent, acked));
    }

    /** The write ids block {@code block} may hold after a cut at {@code cut}. */
    BitSet allowed(int block, long cut) {
        long coveredBefore = Long.MIN_VALUE; // acknowledged before a flush that was acknowledged before the cut
        for (Flush flush : flushes) {
            if (flush.acked() <= cut) {
                coveredBefore = Math.max(coveredBefore, flush.sent());
            }
        }
        List<Version> versions = blocks.get(block);
        int floor = 0;
        for (int i = 0; i < versions.size(); i++) {
            Version version = versions.get(i);
            if (version.acked() <= coveredBefore || (version.durableOnAck() && version.acked() <= cut)) {
                floor = i;
            }
        }
        BitSet allowed = (BitSet) versions.get(floor).ids().clone();
        for (int i = floor + 1; i < versions.size(); i++) {
            if (versions.get(i).sent() < cut) {
                allowed.or(versions.get(i).ids());
            }
        }
        return allowed;
    }

    /** The block's history for a failure message: each version's ids with its times after {@code origin} in ms. */
    String history(int block, long origin) {
        StringBuilder text = new StringBuilder();
        for (Version version : blocks.get(block)) {
            text.append(version.ids()).append(version.sent() == Long.MIN_VALUE ? " initially"
                    : String.format(" sent %.1f acked %.1f", ms(version.sent(), origin), ms(version.acked(), origin)))
                    .append("; ");
        }
        text.append("flushes acked at");
        for (Flush flush : flushes) {
            text.append(String.format(" %.1f", ms(flush.acked(), origin)));
        }
        return text.toString();
    }

    private static double ms(long nanos, long origin) {
        return (nanos - origin) / 1e6;
    }

    /** Every block's allowed ids at {@code cut}: what a snapshot taken then starts from. */
    List<BitSet> allowed(long cut) {
        List<BitSet> all = new ArrayList<>();
        for (int block = 0; block < blocks.size(); block++) {
            all.add(allowed(block, cut));
        }
        return all;
    }

    /** The bytes write {@code id} puts at LUN sector {@code sector}. */
    static void stamp(ByteBuffer into, int id, long sector) {
        into.putInt(MAGIC).putInt(id).putLong(sector);
        byte fill = fill(id, sector);
        for (int i = 16; i < SECTOR; i++) {
            into.put(fill);
        }
    }

    private static byte fill(int id, long sector) {
        return (byte) (id * 31 + sector * 7 + 1);
    }

    /** The write id whose stamp {@code data} holds at {@code offset} for sector {@code sector}: 0 for zeros, -1 for anything else. */
    static int identify(byte[] data, int offset, long sector) {
        ByteBuffer in = ByteBuffer.wrap(data, offset, SECTOR);
        boolean zeros = true;
        for (int i = offset; i < offset + SECTOR && zeros; i++) {
            zeros = data[i] == 0;
        }
        if (zeros) {
            return 0;
        }
        if (in.getInt() != MAGIC) {
            return -1;
        }
        int id = in.getInt();
        if (id <= 0 || in.getLong() != sector) {
            return -1;
        }
        byte fill = fill(id, sector);
        for (int i = offset + 16; i < offset + SECTOR; i++) {
            if (data[i] != fill) {
                return -1;
            }
        }
        return id;
    }
}
