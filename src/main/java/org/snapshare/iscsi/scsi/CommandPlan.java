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

    /**
     * The same command cut to the first {@code bytes} of its data-out, for an
     * initiator whose ExpectedDataTransferLength is shorter than the CDB's
     * transfer (RFC 7143, 11.4.5.1: residual overflow). A cut that cannot be
     * carried out exactly fails the command.
     */
    default CommandPlan limitTo(int bytes) {
        return finished(ScsiResult.checkCondition(SenseCode.INVALID_FIELD_IN_INFORMATION_UNIT));
    }

    /**
     * True when the initiator's ExpectedDataTransferLength must equal
     * {@link #dataOutLength()}: COMPARE AND WRITE splits its data-out in two by
     * the CDB's length, so a transfer of another size means the two sides
     * disagree on the split, and the command is refused (INVALID FIELD IN CDB).
     */
    default boolean exactTransferOnly() {
        return false;
    }

    /** What a command does when it runs. */
    @FunctionalInterface
    interface Work {
        ScsiResult run() throws ScsiException;
    }

    /**
     * A command without data-out that does its work when it runs, on a command worker, not while the
     * connection's thread decodes it: a read or a flush may wait long (for the disk, in a cluster for the
     * volume's lock), and meanwhile that thread must go on reading PDUs and answering NOP-Outs.
     */
    static CommandPlan later(Work work) {
        return new CommandPlan() {
            @Override
            public int dataOutLength() {
                return 0;
            }

            @Override
            public ScsiResult complete(ByteBuffer dataOut) {
                try {
                    return work.run();
                } catch (ScsiException e) {
                    return e.result();
                }
            }
        };
    }

    /** A command that finished while being decoded. */
    static CommandPlan finished(ScsiResult result) {
        return later(() -> result);
    }
}
