package org.snapshare.iscsi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.iscsi.scsi.BlockCommandProcessor;
import org.snapshare.iscsi.scsi.CommandPlan;
import org.snapshare.iscsi.scsi.DataBuffers;
import org.snapshare.iscsi.scsi.ScsiResult;
import org.snapshare.iscsi.scsi.SenseCode;

/**
 * The full feature phase of one connection (RFC 7143, 4.3). PDUs are read and
 * handled in arrival order on the connection's thread; a write waiting for
 * its data never blocks the PDUs that arrive meanwhile, because its state
 * lives in {@link WriteTask}, not on a stack. SCSI commands, once all their
 * data is in, run on {@link CommandExecutor}'s workers.
 */
final class FullFeaturePhase {

    private static final Logger LOG = LoggerFactory.getLogger(FullFeaturePhase.class);
    private static final int REJECT_SNACK = 0x03;
    private static final int REJECT_PROTOCOL_ERROR = 0x04;
    private static final int REJECT_COMMAND_NOT_SUPPORTED = 0x05;
    /** The target transfer tag of our pings; the initiator echoes it in a NOP-Out we need not match. */
    private static final int PING_TAG = 0x70696e67;

    private final PduReader reader;
    private final PduWriter writer;
    private final LoginPhase.Result session;
    private final SequenceNumbers numbers;
    private final SessionParameters parameters;
    private final TextResponder text;
    private final Map<Integer, WriteTask> pendingWrites = new HashMap<>();
    private final CommandExecutor executor;
    private final WaitingFunctions waitingFunctions;
    private final WriteTask.UnsolicitedRules unsolicitedRules;
    private final IdleWatch idle;
    private final Runnable endNexus;
    /**
     * The most buffer memory this session's writes may hold while they wait for their data: an eighth of
     * the budget (at least one command's), so a few sessions that never send data cannot starve the rest.
     */
    private final long pendingWriteLimit;
    private int nextTargetTransferTag = 1;

    /**
     * {@code closeConnection}: ends the connection when a worker cannot send a response or the
     * initiator stops answering pings; {@code timers} runs those pings. {@code endNexus} ends the
     * session's I_T nexus at logout before the response goes out, so a RESERVE it held is gone (on every
     * node of a cluster) by the time the initiator hears of the logout.
     */
    FullFeaturePhase(PduReader reader, PduWriter writer, LoginPhase.Result session, TextResponder text,
            ConnectionLimits limits, ScheduledExecutorService timers, Runnable closeConnection, Runnable endNexus) {
        this.reader = reader;
        this.writer = writer;
        this.session = session;
        this.numbers = session.numbers;
        this.parameters = session.parameters;
        this.text = text;
        this.endNexus = endNexus;
        this.unsolicitedRules = new WriteTask.UnsolicitedRules(parameters.immediateData, parameters.initialR2T,
                parameters.firstBurstLength);
        this.executor = new CommandExecutor(session.parameters.initiatorName, closeConnection);
        this.waitingFunctions = new WaitingFunctions(session.parameters.initiatorName, closeConnection);
        this.pendingWriteLimit = Math.max(ConnectionLimits.LARGEST_COMMAND, limits.bufferMemory() / 8);
        this.idle = new IdleWatch(timers, limits.nopInInterval(), limits.nopInTimeout(), this::ping, () -> {
            LOG.info("closing the session of {}: no answer to a NOP-In ping for {} s", parameters.initiatorName,
                    limits.nopInTimeout().toSeconds());
            closeConnection.run();
        });
    }

    /** Serves PDUs until logout or end of stream; commands still running finish first. */
    void run() throws IOException, ProtocolException {
        try {
            serve();
        } finally {
            idle.close();
            waitingFunctions.shutdown();
            executor.shutdown();
            dropPendingWrites();
        }
    }

    /** Writes still waiting for data that will not come: their buffers go back (only this thread fills them). */
    private void dropPendingWrites() {
        pendingWrites.values().forEach(WriteTask::release);
        pendingWrites.clear();
    }

    private void serve() throws IOException, ProtocolException {
        reader.maxDataSegmentLength(parameters.targetMaxRecvDataSegmentLength);
        Pdu pdu;
        while ((pdu = reader.read(this::placeDataOut)) != null) {
            idle.heard();
            if (pdu.opcode() == Opcode.DATA_OUT) {
                dataOut(pdu);
                continue;
            }
            if (pdu.opcode() == Opcode.SNACK_REQUEST) {
                reject(pdu, REJECT_SNACK); // ErrorRecoveryLevel is 0
                continue;
            }
            if (!pdu.immediate() && !numbers.admit(pdu.cmdSn())) {
                LOG.debug("dropping {} with CmdSN {} outside the window", pdu, pdu.cmdSn());
                continue;
            }
            if (pdu.opcode() == Opcode.SCSI_COMMAND) {
                admitScsiCommand(pdu);
                continue;
            }
            if (!pdu.immediate()) {
                numbers.completed(); // answered on this thread, right now
            }
            if (!dispatch(pdu)) {
                return;
            }
        }
    }

    /** A SCSI command takes a place in the session's queue until it completes; immediate ones may find none. */
    private void admitScsiCommand(Pdu pdu) throws IOException {
        if (pdu.immediate() && !numbers.admitImmediate()) {
            sendResponse(pdu.initiatorTaskTag(), ScsiResult.taskSetFull(), 0, 0, 0, null);
            return;
        }
        CommandSlot slot = new CommandSlot(numbers);
        if (session.target == null) {
            slot.release();
            reject(pdu, REJECT_PROTOCOL_ERROR); // discovery sessions carry no SCSI
        } else {
            scsiCommand(pdu, slot);
        }
    }

    /** Buffer bytes held by this session's writes that wait for data. */
    private long pendingWriteBytes() {
        long bytes = 0;
        for (WriteTask task : pendingWrites.values()) {
            bytes += task.wanted;
        }
        return bytes;
    }

    /** A Data-Out's payload goes straight into its write's buffer. */
    private ByteBuffer placeDataOut(Pdu header) {
        if (header.opcode() != Opcode.DATA_OUT) {
            return null;
        }
        WriteTask task = pendingWrites.get(header.initiatorTaskTag());
        return task == null ? null
                : task.placeFor(header.targetTransferTag(), header.bufferOffset(), header.dataSegmentLength());
    }

    /** Handles one command PDU; false when the connection must end. */
    private boolean dispatch(Pdu pdu) throws IOException, ProtocolException {
        switch (pdu.opcode()) {
            case Opcode.NOP_OUT:
                nopOut(pdu);
                return true;
            case Opcode.TEXT_REQUEST:
                textRequest(pdu);
                return true;
            case Opcode.TASK_MGMT_REQUEST:
                return taskManagement(pdu);
            case Opcode.LOGOUT_REQUEST:
                logout(pdu);
                return false;
            case Opcode.LOGIN_REQUEST:
                reject(pdu, REJECT_PROTOCOL_ERROR);
                return false;
            default:
                reject(pdu, REJECT_COMMAND_NOT_SUPPORTED);
                return true;
        }
    }

    /** A NOP-In that asks for an answer (RFC 7143, 11.19): any PDU from the initiator counts as one. */
    private void ping() throws IOException {
        send(Pdu.response(Opcode.NOP_IN).initiatorTaskTag(Pdu.NO_TAG).targetTransferTag(PING_TAG), false);
    }

    private void nopOut(Pdu pdu) throws IOException {
        if (pdu.initiatorTaskTag() == Pdu.NO_TAG) {
            return; // an answer to a ping of ours
        }
        ByteBuffer ping = pdu.data();
        ping.limit(Math.min(ping.limit(), parameters.initiatorMaxRecvDataSegmentLength));
        Pdu reply = Pdu.response(Opcode.NOP_IN).longAt(8, pdu.lun())
                .initiatorTaskTag(pdu.initiatorTaskTag()).targetTransferTag(Pdu.NO_TAG).data(ping);
        send(reply, true);
    }

    private void scsiCommand(Pdu pdu, CommandSlot slot) throws IOException {
        int itt = pdu.initiatorTaskTag();
        long expectedLength = Integer.toUnsignedLong(pdu.expectedDataTransferLength());
        byte[] cdb = pdu.cdb();
        CommandPlan decoded = lunNumber(pdu.lun()) == 0
                ? session.target.commands.plan(session.initiatorPort, cdb)
                : BlockCommandProcessor.planForMissingLun(cdb);
        CommandPlan plan = decoded.exactTransferOnly() && expectedLength != decoded.dataOutLength()
                ? CommandPlan.finished(ScsiResult.checkCondition(SenseCode.INVALID_FIELD_IN_CDB))
                : decoded;
        int commandLength = plan.dataOutLength();
        if (expectedLength < commandLength) {
            // The initiator sends less than the CDB says: write what it sends, report the overflow.
            plan = plan.limitTo((int) expectedLength);
        }
        if (plan.dataOutLength() == 0) {
            CommandPlan reading = plan;
            executor.submit(itt,
                    () -> finish(itt, reading.complete(ByteBuffer.allocate(0)), expectedLength, 0, commandLength, slot));
            return;
        }
        DataBuffers.Lease buffer = pendingWriteBytes() + plan.dataOutLength() > pendingWriteLimit ? null
                : DataBuffers.SHARED.tryTake(plan.dataOutLength());
        if (buffer == null) { // this session's share, or all the buffer memory, is spent: the initiator retries later
            sendResponse(itt, ScsiResult.taskSetFull(), 0, 0, 0, slot);
            return;
        }
        boolean unsolicitedFollows = (pdu.flags() & 0x80) == 0;
        WriteTask task = new WriteTask(itt, pdu.lun(), plan, commandLength, expectedLength, unsolicitedFollows,
                unsolicitedRules, buffer, slot);
        WriteTask replaced = pendingWrites.put(itt, task);
        if (replaced != null) {
            replaced.release(); // its tag was reused: its data will not come
        }
        String refusal = task.immediateRefusal(pdu.dataSegmentLength());
        if (refusal != null) {
            refuseWrite(task, refusal);
            return;
        }
        task.accept(pdu.data());
        progress(task);
    }

    private void dataOut(Pdu pdu) throws IOException {
        WriteTask task = pendingWrites.get(pdu.initiatorTaskTag());
        if (task == null) {
            LOG.debug("ignoring Data-Out for finished or unknown task 0x{}", Integer.toHexString(pdu.initiatorTaskTag()));
            return;
        }
        boolean solicited = pdu.targetTransferTag() != Pdu.NO_TAG;
        String refusal = task.dataSnInOrder(pdu.dataSn(), solicited)
                ? task.dataOutRefusal(pdu.targetTransferTag(), pdu.bufferOffset(), pdu.dataSegmentLength())
                : "Data-Out DataSN " + Integer.toUnsignedString(pdu.dataSn()) + " out of sequence";
        if (refusal != null) {
            refuseWrite(task, refusal);
            return;
        }
        task.accept(pdu.data());
        if ((pdu.flags() & 0x80) != 0) {
            task.endOfSequence(solicited);
        }
        progress(task);
    }

    /**
     * Ends a write whose data breaks the rules: CHECK CONDITION, nothing written, and the rest of
     * its Data-Out ignored. The write is refused, not the connection.
     */
    private void refuseWrite(WriteTask task, String why) throws IOException {
        LOG.warn("write 0x{} from {} refused: {}", Integer.toHexString(task.itt), parameters.initiatorName, why);
        pendingWrites.remove(task.itt, task);
        task.releaseBuffer();
        sendResponse(task.itt, ScsiResult.checkCondition(SenseCode.DATA_PHASE_ERROR), 0, 0, task.r2tCount(), task.slot);
    }

    /** Completes the write if all data is in, otherwise asks for the next burst when due. */
    private void progress(WriteTask task) throws IOException {
        if (task.complete()) {
            pendingWrites.remove(task.itt);
            executor.submit(task.itt, () -> {
                ScsiResult result = task.plan.complete(task.data());
                task.releaseBuffer(); // the command's data is on the unit, or refused, by now
                finish(task.itt, result, task.expectedLength, task.r2tCount(), task.commandLength, task.slot);
            });
        } else if (task.needsR2t()) {
            int ttt = nextTargetTransferTag++;
            if (nextTargetTransferTag == Pdu.NO_TAG) {
                nextTargetTransferTag = 1;
            }
            WriteTask.Burst burst = task.nextR2t(ttt, parameters.maxBurstLength);
            Pdu r2t = Pdu.response(Opcode.R2T).longAt(8, task.lun).initiatorTaskTag(task.itt).targetTransferTag(ttt)
                    .r2tSn(task.r2tCount() - 1).bufferOffset(burst.offset()).desiredDataTransferLength(burst.length());
            send(r2t, false);
        }
    }

    /**
     * Sends data-in (with status in the last PDU when GOOD) or a SCSI Response.
     * Residuals compare the initiator's expected length with the bytes the
     * command moves: its data-out, or else the data-in it produced. The
     * result's pooled buffer is given back afterwards.
     */
    private void finish(int itt, ScsiResult result, long expectedLength, int r2tCount, int dataOutLength,
            CommandSlot slot) throws IOException {
        try {
            sendResult(itt, result, expectedLength, r2tCount, dataOutLength, slot);
        } finally {
            result.release(); // sent, or the connection is gone
        }
    }

    private void sendResult(int itt, ScsiResult result, long expectedLength, int r2tCount, int dataOutLength,
            CommandSlot slot) throws IOException {
        ByteBuffer data = result.dataIn();
        long moved = dataOutLength > 0 ? dataOutLength : data.remaining();
        int residualFlags = moved > expectedLength ? 0x04 : moved < expectedLength ? 0x02 : 0;
        long residual = Math.abs(expectedLength - moved);
        int toSend = (int) Math.min(data.remaining(), expectedLength);
        if (result.status != ScsiResult.GOOD || toSend == 0) {
            sendResponse(itt, result, residualFlags, residual, r2tCount, slot);
            return;
        }
        int segment = parameters.initiatorMaxRecvDataSegmentLength;
        int dataSn = 0;
        for (int offset = 0; offset < toSend; offset += segment) {
            int length = Math.min(segment, toSend - offset);
            boolean last = offset + length == toSend;
            boolean endOfBurst = last || (offset + length) % parameters.maxBurstLength == 0;
            Pdu dataIn = Pdu.response(Opcode.DATA_IN)
                    .flags((endOfBurst ? 0x80 : 0) | (last ? 0x01 | residualFlags : 0))
                    .initiatorTaskTag(itt).targetTransferTag(Pdu.NO_TAG).dataSn(dataSn++).bufferOffset(offset)
                    .data(data.slice(data.position() + offset, length));
            if (last) {
                dataIn.status(ScsiResult.GOOD).residualCount((int) residual);
            }
            send(dataIn, last, last ? slot : null);
        }
    }

    /** A SCSI Response; {@code slot}, when not null, is the command's place in the queue, given back with it. */
    private void sendResponse(int itt, ScsiResult result, int residualFlags, long residual, int expDataSn,
            CommandSlot slot) throws IOException {
        Pdu response = Pdu.response(Opcode.SCSI_RESPONSE).flags(0x80 | residualFlags).status(result.status)
                .initiatorTaskTag(itt).expDataSn(expDataSn).residualCount((int) residual);
        if (result.sense != null) {
            ByteBuffer segment = ByteBuffer.allocate(2 + result.sense.length);
            segment.putShort((short) result.sense.length).put(result.sense).flip();
            response.data(segment);
        }
        send(response, true, slot);
    }

    private void textRequest(Pdu pdu) throws IOException, ProtocolException {
        Pdu reply = text.respond(pdu, parameters);
        send(reply, true);
    }

    /** Task management (RFC 7143, 11.5); false when the connection must end (cold reset). */
    private boolean taskManagement(Pdu pdu) throws IOException {
        TaskManagement.Function function = TaskManagement.Function.of(pdu.flags() & 0x7f);
        TaskManagement.Response response;
        if (session.target == null) { // a discovery session has no tasks and no unit to reset
            sendTaskManagementResponse(pdu, TaskManagement.Response.REJECTED);
            return true;
        }
        switch (function) {
            case ABORT_TASK: // a write still waiting for data is dropped (no response for it)
                WriteTask dropped = pendingWrites.remove(pdu.referencedTaskTag());
                if (dropped != null) {
                    dropped.release();
                    response = TaskManagement.Response.COMPLETE;
                    break;
                }
                // Running or done: it sends (or sent) its own response, so for the TMF it no longer exists.
                return answerAfterWaiting(pdu, () -> executor.await(pdu.referencedTaskTag()),
                        TaskManagement.Response.TASK_DOES_NOT_EXIST);
            case ABORT_TASK_SET:
            case CLEAR_TASK_SET:
            case LOGICAL_UNIT_RESET:
            case TARGET_WARM_RESET:
            case TARGET_COLD_RESET:
                if (function == TaskManagement.Function.LOGICAL_UNIT_RESET && lunNumber(pdu.lun()) != 0) {
                    response = TaskManagement.Response.LUN_DOES_NOT_EXIST;
                    break;
                }
                dropPendingWrites();
                if (function == TaskManagement.Function.TARGET_COLD_RESET) { // the connection ends after it
                    executor.awaitAll();
                    session.target.commands.reset(true);
                    sendTaskManagementResponse(pdu, TaskManagement.Response.COMPLETE);
                    return false;
                }
                return answerAfterWaiting(pdu, () -> {
                    executor.awaitAll();
                    if (function == TaskManagement.Function.LOGICAL_UNIT_RESET) {
                        session.target.commands.reset(false);
                    } else if (function == TaskManagement.Function.TARGET_WARM_RESET) {
                        session.target.commands.reset(true);
                    }
                }, TaskManagement.Response.COMPLETE);
            case CLEAR_ACA: // no ACA support
                response = TaskManagement.Response.NOT_SUPPORTED;
                break;
            case TASK_REASSIGN: // needs ErrorRecoveryLevel 2
                response = TaskManagement.Response.TASK_REASSIGN_NOT_SUPPORTED;
                break;
            default:
                response = TaskManagement.Response.REJECTED;
        }
        sendTaskManagementResponse(pdu, response);
        return true;
    }

    /**
     * Answers {@code pdu} with {@code response} once {@code wait} (for running commands, then a reset) is done,
     * on the connection's {@link WaitingFunctions} thread, so this one goes on reading (and answering NOP-Outs);
     * refused when too many functions already wait.
     */
    private boolean answerAfterWaiting(Pdu pdu, Runnable wait, TaskManagement.Response response) throws IOException {
        if (!waitingFunctions.submit(() -> {
            wait.run();
            sendTaskManagementResponse(pdu, response);
        })) {
            sendTaskManagementResponse(pdu, TaskManagement.Response.REJECTED);
        }
        return true;
    }

    private void sendTaskManagementResponse(Pdu request, TaskManagement.Response response) throws IOException {
        send(Pdu.response(Opcode.TASK_MGMT_RESPONSE).responseCode(response.code)
                .initiatorTaskTag(request.initiatorTaskTag()), true);
    }

    private void logout(Pdu pdu) throws IOException {
        executor.awaitAll(); // every response goes out before the logout response
        waitingFunctions.awaitAll();
        endNexus.run();
        int reason = pdu.flags() & 0x7f;
        int response = reason == 2 ? 2 : 0; // no connection recovery at ErrorRecoveryLevel 0
        Pdu reply = Pdu.response(Opcode.LOGOUT_RESPONSE).responseCode(response).initiatorTaskTag(pdu.initiatorTaskTag());
        send(reply, true);
    }

    private void reject(Pdu pdu, int reason) throws IOException {
        LOG.debug("rejecting {} with reason 0x{}", pdu, Integer.toHexString(reason));
        Pdu reply = Pdu.response(Opcode.REJECT).responseCode(reason).initiatorTaskTag(Pdu.NO_TAG)
                .data(pdu.headerBytes());
        send(reply, true);
    }

    /** Numbers and sends one PDU; workers send concurrently, so StatSN order and wire order agree. */
    private void send(Pdu pdu, boolean advanceStatSn) throws IOException {
        send(pdu, advanceStatSn, null);
    }

    /**
     * Like {@link #send(Pdu, boolean)}; the PDU that answers a command also gives back its queue
     * slot ({@code completing}, when not null), under the same lock that stamps it: the response
     * carries the window its completion opened.
     */
    private void send(Pdu pdu, boolean advanceStatSn, CommandSlot completing) throws IOException {
        synchronized (writer) {
            numbers.stamp(pdu, advanceStatSn, completing != null && completing.take());
            writer.write(pdu);
        }
    }

    /** The LUN of single-level peripheral or flat addressing (SAM-5, 4.7). */
    static int lunNumber(long lunField) {
        int firstLevel = (int) (lunField >>> 48);
        int method = firstLevel >>> 14;
        if (method > 1 || (lunField & 0x0000ffffffffffffL) != 0) {
            return -1;
        }
        return firstLevel & 0x3fff;
    }
}
