package org.snapshare.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The kinds of chunk-sized metadata block (docs/FORMAT.md): the magic each
 * starts with and the name errors and reports give it. Every read, write,
 * check and scrub of a block names its kind, so the pair is never passed
 * loose.
 */
enum BlockKind {
    NODE("BTND", "B+-tree node"),
    SPACE_BITMAP("SMBP", "space map bitmap"),
    SPACE_INDEX("SMIX", "space map index"),
    SNAPSHOT_TABLE("SNTB", "snapshot table block"),
    RANGE_COUNTS("SNRC", "range counter block");

    private final int magic;
    private final String what;

    BlockKind(String magic, String what) {
        this.magic = ByteBuffer.wrap(magic.getBytes(StandardCharsets.US_ASCII)).getInt();
        this.what = what;
    }

    /** The first four bytes of every block of this kind, big-endian ASCII. */
    int magic() {
        return magic;
    }

    /** What errors and reports call a block of this kind. */
    String what() {
        return what;
    }

    /** The kind whose magic {@code magic} is, for error messages: "a space map bitmap's", or "no kind's". */
    static String whose(int magic) {
        for (BlockKind kind : values()) {
            if (kind.magic == magic) {
                return "a " + kind.what + "'s";
            }
        }
        return "no kind's";
    }
}
