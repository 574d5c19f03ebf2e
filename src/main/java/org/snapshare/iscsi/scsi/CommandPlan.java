package org.snapshare.iscsi.scsi;

import java.nio.ByteBuffer;

/**
 * A decoded, validated SCSI command. Commands that carry data-out say how
 * much they need; the transport collects it and then completes the command.
 */
public interface CommandPlan {

    /** Bytes of data-out needed before {@link #complete}; 0 for commands without. */
    int dataOutLength();

    /** Runs the command; {@code dataOut} holds exactly {@link #dataOutLength()} bytes. */
    ScsiResult complete(ByteBuffer dataOut);

    /** A command that finished while being decoded. */
    static CommandPlan finished(ScsiResult result) {
        return new CommandPlan() {
            @Override
            public int dataOutLength() {
                return 0;
            }

            @Override
            public ScsiResult complete(ByteBuffer dataOut) {
                return result;
            }
        };
    }
}
