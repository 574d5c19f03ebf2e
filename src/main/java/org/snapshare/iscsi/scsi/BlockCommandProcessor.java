package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.util.Set;
import org.snapshare.snapshot.LogicalUnit;

/**
 * Decodes the SBC/SPC commands of a direct-access block device and hands
 * each to the class that implements it, for one {@link LogicalUnit}.
 */
public final class BlockCommandProcessor {

    // Package-private: the rows of OpcodeTable reach the command implementations through them.
    /** MODE SELECT (6)/(10), RESERVE (6)/(10), PERSISTENT RESERVE OUT: refused on read-only units. */
    private static final Set<Integer> CHANGE_SETTINGS_OR_RESERVE = Set.of(0x15, 0x55, 0x16, 0x56, 0x5f);

    final DeviceInfo device;
    final ReadWriteCommands readWrite;
    final InquiryCommand inquiry;
    final ModeSenseCommand modeSense;
    final ModeSelectCommand modeSelect;
    final VerifyCommands verify;
    final ProvisioningCommands provisioning;
    final OrWriteCommand orWrite;
    private final ReportSupportedOperationCodes reportOperationCodes;
    private final Reservations reservations;
    private final UnitAttentions attentions = new UnitAttentions();
    final PersistentReserveCommands persistentReserve;
    private final LogicalUnit unit;
    /**
     * Persistent reservations shared with the other nodes of a cluster: each
     * command is checked, and each PERSISTENT RESERVE OUT applied, in the same
     * tenure of the volume's lock as its I/O, against the state read back at
     * the start of that tenure.
     */
    private final boolean shared;
    private final Object tenureLock = new Object();
    private long loadedTenure;
    /** REPORT TARGET PORT GROUPS where the unit has ALUA port groups, else null. */
    private final ReportTargetPortGroups portGroups;

    /** A unit whose persistent reservations end with the server (no APTPL). */
    public BlockCommandProcessor(LogicalUnit unit) {
        this(unit, new Reservations(), null, null);
    }

    /**
     * A unit that keeps persistent reservations in {@code store} when an
     * initiator asks (APTPL), reached through {@code portGroups} (ALUA), or
     * through this one port only when null.
     */
    public static BlockCommandProcessor withReservationStore(LogicalUnit unit, ReservationStore store,
            TargetPortGroups portGroups) throws IOException {
        return new BlockCommandProcessor(unit, PersistentReserveCommands.restore(store), store, portGroups);
    }

    private BlockCommandProcessor(LogicalUnit unit, Reservations reservations, ReservationStore store,
            TargetPortGroups portGroups) {
        this.reservations = reservations;
        // A unit reached through several nodes' ports shares its reservations through the store.
        this.shared = portGroups != null && store != null;
        this.unit = unit;
        this.persistentReserve = new PersistentReserveCommands(reservations, attentions, store, shared);
        this.portGroups = portGroups == null ? null : new ReportTargetPortGroups(portGroups);
        this.device = new DeviceInfo(unit, portGroups);
        this.readWrite = new ReadWriteCommands(unit, device);
        this.inquiry = new InquiryCommand(device);
        ModePages modePages = new ModePages(device);
        this.modeSense = new ModeSenseCommand(device, modePages);
        this.modeSelect = new ModeSelectCommand(device, modePages, attentions);
        this.verify = new VerifyCommands(unit, device);
        this.provisioning = new ProvisioningCommands(unit, device);
        this.orWrite = new OrWriteCommand(unit, device);
        this.reportOperationCodes = new ReportSupportedOperationCodes(SupportedCommands.forUnit(device.thin,
                portGroups != null));
    }

    /**
     * Plans {@code cdb} for LUN 0, the only LUN a snapshare target has, sent
     * by {@code initiatorPort} ("iqn...,i,0x" ISID: the I_T nexus reservations key on).
     */
    public CommandPlan plan(String initiatorPort, byte[] cdb) {
        int opcode = Cdb.u8(cdb, 0);
        if (OpcodeTable.unitAttentionFirst(opcode)) {
            SenseCode attention = attentions.take(initiatorPort);
            if (attention != null) {
                return CommandPlan.finished(ScsiResult.checkCondition(attention));
            }
        }
        if (device.readOnly && CHANGE_SETTINGS_OR_RESERVE.contains(opcode)) {
            // A read-only target is shared by everyone who reads it: nobody may change its cache or lock it.
            return CommandPlan.finished(ScsiResult.checkCondition(SenseCode.WRITE_PROTECTED));
        }
        CommandAccess access = OpcodeTable.access(opcode);
        if (shared && sharedStateDecides(access)) {
            return planInTenure(initiatorPort, cdb, access);
        }
        if (!reservations.allows(initiatorPort, access)) {
            return CommandPlan.finished(ScsiResult.reservationConflict());
        }
        return decode(initiatorPort, cdb);
    }

    private CommandPlan decode(String initiatorPort, byte[] cdb) {
        try {
            return dispatch(initiatorPort, cdb);
        } catch (ScsiException e) {
            return CommandPlan.finished(e.result());
        }
    }

    /**
     * A shared unit's command: decoded now (PERSISTENT RESERVE IN, which
     * answers while decoding, waits), checked against the reservations and
     * run in one tenure of the volume's lock once its data-out is in.
     */
    private CommandPlan planInTenure(String initiatorPort, byte[] cdb, CommandAccess access) {
        boolean readsState = Cdb.u8(cdb, 0) == 0x5e;
        CommandPlan decoded = readsState ? CommandPlan.later(() -> persistentReserve.in(cdb))
                : decode(initiatorPort, cdb);
        return new TenurePlan(decoded, completion -> {
            try {
                return unit.inTenure(tenure -> {
                    refresh(tenure);
                    return reservations.allows(initiatorPort, access) ? completion.get()
                            : ScsiResult.reservationConflict();
                });
            } catch (IOException e) {
                return ScsiResult.checkCondition(SenseCode.forFailure(e, SenseCode.UNRECOVERED_READ_ERROR));
            }
        });
    }

    /**
     * Whether the shared persistent reservations can refuse (or are) the
     * command, so it must run in a tenure. TEST UNIT READY and READ CAPACITY
     * are allowed under every persistent reservation, and RESERVE/RELEASE
     * state is this node's own: those never take the lock, so a multipath
     * path checker on a non-optimized path does not pull it from the active
     * node.
     */
    private static boolean sharedStateDecides(CommandAccess access) {
        return access == CommandAccess.READ || access == CommandAccess.WRITE
                || access == CommandAccess.PERSISTENT_RESERVE;
    }

    /** Reads the shared reservations back when the tenure is new: another node may have changed them. */
    private void refresh(long tenure) throws IOException {
        synchronized (tenureLock) {
            if (tenure != loadedTenure) {
                persistentReserve.reload();
                loadedTenure = tenure;
            }
        }
    }

    /** A session of {@code initiatorPort} logged in: from now on it is told of unit attentions. */
    public void nexusStarted(String initiatorPort) {
        attentions.nexusStarted(initiatorPort);
    }

    /** The I_T nexus of {@code initiatorPort} ended (logout, lost connection, reinstatement). */
    public void nexusLost(String initiatorPort) {
        reservations.nexusLost(initiatorPort);
        attentions.nexusLost(initiatorPort);
    }

    /** LOGICAL UNIT RESET, or with {@code wholeTarget} a target reset: RESERVE ends, every nexus is told. */
    public void reset(boolean wholeTarget) {
        reservations.reset();
        attentions.raise(wholeTarget ? SenseCode.POWER_ON_OR_RESET : SenseCode.LOGICAL_UNIT_RESET, null);
    }

    /** This node's ALUA state for the unit changed (it took or handed over the lock): every nexus is told. */
    public void accessStateChanged() {
        attentions.raise(SenseCode.ASYMMETRIC_ACCESS_STATE_CHANGED, null);
    }

    /** The unit grew (volume resize): READ CAPACITY says so, and every nexus gets CAPACITY DATA HAS CHANGED. */
    public void capacityChanged() {
        device.sizeChanged(unit);
        attentions.raise(SenseCode.CAPACITY_DATA_HAS_CHANGED, null);
    }

    /** Commands sent to a LUN this target does not have (SPC-4, 5.10.2). */
    public static CommandPlan planForMissingLun(byte[] cdb) {
        int opcode = Cdb.u8(cdb, 0);
        if (opcode == 0x12) {
            return CommandPlan.finished(InquiryCommand.missingLun(cdb));
        }
        if (opcode == 0xa0) {
            return CommandPlan.finished(ReportLuns.execute(cdb));
        }
        return CommandPlan.finished(ScsiResult.checkCondition(SenseCode.LOGICAL_UNIT_NOT_SUPPORTED));
    }

    private CommandPlan dispatch(String initiatorPort, byte[] cdb) throws ScsiException {
        int opcode = Cdb.u8(cdb, 0);
        OpcodeTable.Opcode row = OpcodeTable.find(opcode).orElseThrow(() -> new ScsiException(
                SenseCode.INVALID_COMMAND_OPERATION_CODE, String.format("opcode 0x%02x", opcode)));
        return row.handler().run(this, initiatorPort, cdb);
    }

    // The handlers OpcodeTable's rows name: one per command family.

    CommandPlan read(String initiatorPort, byte[] cdb) throws ScsiException {
        return CommandPlan.later(() -> readWrite.read(cdb));
    }

    CommandPlan write(String initiatorPort, byte[] cdb) throws ScsiException {
        return readWrite.write(cdb);
    }

    CommandPlan synchronizeCache(String initiatorPort, byte[] cdb) throws ScsiException {
        return CommandPlan.later(() -> readWrite.synchronizeCache(cdb));
    }

    CommandPlan verify(String initiatorPort, byte[] cdb) throws ScsiException {
        return verify.verify(cdb);
    }

    CommandPlan writeAndVerify(String initiatorPort, byte[] cdb) throws ScsiException {
        return verify.writeAndVerify(cdb);
    }

    CommandPlan writeSame(String initiatorPort, byte[] cdb) throws ScsiException {
        return verify.writeSame(cdb);
    }

    CommandPlan preFetch(String initiatorPort, byte[] cdb) throws ScsiException {
        return CommandPlan.later(() -> verify.preFetch(cdb));
    }

    CommandPlan modeSense(String initiatorPort, byte[] cdb) throws ScsiException {
        return CommandPlan.finished(modeSense.execute(cdb));
    }

    CommandPlan unmap(String initiatorPort, byte[] cdb) throws ScsiException {
        if (!device.thin) {
            throw new ScsiException(SenseCode.INVALID_COMMAND_OPERATION_CODE,
                    "UNMAP: this logical unit is fully provisioned");
        }
        return provisioning.unmap(cdb);
    }

    /** MAINTENANCE IN: REPORT TARGET PORT GROUPS on ALUA units, else REPORT SUPPORTED OPERATION CODES. */
    CommandPlan maintenanceIn(String initiatorPort, byte[] cdb) throws ScsiException {
        if ((Cdb.u8(cdb, 1) & 0x1f) == ReportTargetPortGroups.SERVICE_ACTION && portGroups != null) {
            return CommandPlan.finished(portGroups.execute(cdb));
        }
        return CommandPlan.finished(reportOperationCodes.execute(cdb));
    }

    CommandPlan legacyReserve(String initiatorPort, byte[] cdb) throws ScsiException {
        return CommandPlan.finished(persistentReserve.legacyReserve(initiatorPort, cdb));
    }

    CommandPlan legacyRelease(String initiatorPort, byte[] cdb) throws ScsiException {
        return CommandPlan.finished(persistentReserve.legacyRelease(initiatorPort));
    }

    /**
     * READ DEFECT DATA (10)/(12) (SBC-3, 5.13/5.14): a file has no defects, so
     * both lists asked for are valid and empty, in the format asked for.
     */
    CommandPlan readDefectData(String initiatorPort, byte[] cdb) {
        return CommandPlan.finished(readDefectData(cdb));
    }

    private static ScsiResult readDefectData(byte[] cdb) {
        boolean twelve = Cdb.u8(cdb, 0) == 0xb7;
        int listsAndFormat = Cdb.u8(cdb, twelve ? 1 : 2) & 0x1f; // PLISTV, GLISTV, list format
        byte[] header = new byte[twelve ? 8 : 4];
        header[1] = (byte) listsAndFormat;
        int allocationLength = (int) Math.min(twelve ? Cdb.u32(cdb, 6) : Cdb.u16(cdb, 7), Integer.MAX_VALUE);
        return ScsiResult.good(header, allocationLength);
    }

    /** Returns (and clears) a pending unit attention; other sense went out with its CHECK CONDITION. */
    ScsiResult requestSense(String initiatorPort, byte[] cdb) throws ScsiException {
        if ((Cdb.u8(cdb, 1) & 0x01) != 0) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "descriptor-format sense not supported");
        }
        SenseCode attention = attentions.take(initiatorPort);
        return ScsiResult.good((attention == null ? SenseCode.NO_SENSE : attention).fixedFormat(), Cdb.u8(cdb, 4));
    }
}
