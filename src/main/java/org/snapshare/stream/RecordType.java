package org.snapshare.stream;

/** The kinds of record in a stream (docs/STREAM.md), with their code on the wire. */
public enum RecordType {
    HEADER(1), DATA(2), ZEROS(3), END(4);

    final int code;

    RecordType(int code) {
        this.code = code;
    }

    static RecordType of(int code) {
        for (RecordType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return null;
    }
}
