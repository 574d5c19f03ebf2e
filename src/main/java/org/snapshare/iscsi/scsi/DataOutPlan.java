package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command that runs once its data-out is in. A {@link ScsiException}
 * becomes its CHECK CONDITION; an I/O failure a logged WRITE ERROR.
 */
final class DataOutPlan implements CommandPlan {

    private static final Logger LOG = LoggerFactory.getLogger(DataOutPlan.class);

    /** What the command does with its data-out. */
    @FunctionalInterface
    interface Action {
        ScsiResult run(ByteBuffer dataOut) throws IOException, ScsiException;
    }

    private final int length;
    private final Action action;
    private final boolean exactTransferOnly;

    private DataOutPlan(int length, Action action, boolean exactTransferOnly) {
        this.length = length;
        this.action = action;
        this.exactTransferOnly = exactTransferOnly;
    }

    static CommandPlan of(int length, Action action) {
        return new DataOutPlan(length, action, false);
    }

    /** A plan whose transfer must be exactly {@code length} (see {@link CommandPlan#exactTransferOnly()}). */
    static CommandPlan exact(int length, Action action) {
        return new DataOutPlan(length, action, true);
    }

    @Override
    public int dataOutLength() {
        return length;
    }

    @Override
    public boolean exactTransferOnly() {
        return exactTransferOnly;
    }

    @Override
    public ScsiResult complete(ByteBuffer dataOut) {
        return run(action, dataOut);
    }

    /** Runs {@code action} with the failures mapped as this class says. */
    static ScsiResult run(Action action, ByteBuffer dataOut) {
        try {
            return action.run(dataOut);
        } catch (ScsiException e) {
            return e.result();
        } catch (IOException e) {
            LOG.error("command failed on the medium", e);
            return ScsiResult.checkCondition(SenseCode.forFailure(e, SenseCode.WRITE_ERROR));
        }
    }
}
