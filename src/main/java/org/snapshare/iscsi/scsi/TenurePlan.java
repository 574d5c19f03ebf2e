package org.snapshare.iscsi.scsi;

import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * A decoded command whose completion runs inside a wrapper: for a unit
 * shared by the nodes of a cluster, one tenure of the volume's lock, in which
 * the reservations are checked before the command runs.
 */
final class TenurePlan implements CommandPlan {

    /** Runs a command's completion (or answers for it, e.g. with a conflict). */
    @FunctionalInterface
    interface Wrapper {
        ScsiResult around(Supplier<ScsiResult> completion);
    }

    private final CommandPlan plan;
    private final Wrapper wrapper;

    TenurePlan(CommandPlan plan, Wrapper wrapper) {
        this.plan = plan;
        this.wrapper = wrapper;
    }

    @Override
    public int dataOutLength() {
        return plan.dataOutLength();
    }

    @Override
    public ScsiResult complete(ByteBuffer dataOut) {
        return wrapper.around(() -> plan.complete(dataOut));
    }

    @Override
    public CommandPlan limitTo(int bytes) {
        return new TenurePlan(plan.limitTo(bytes), wrapper);
    }

    @Override
    public boolean exactTransferOnly() {
        return plan.exactTransferOnly();
    }
}
