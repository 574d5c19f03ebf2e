package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.snapshot.LogicalUnit;

/**
 * Decodes the SBC/SPC commands of a direct-access block device and hands
 * each to the class that implements it, for one {@link LogicalUnit}.
 */
public final class BlockCommandProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(BlockCommandProcessor.class);

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
    private final UnitAttentions attentions;
    final PersistentReserveCommands persistentReserve;
    private final LogicalUnit unit;
    /**
     * Reservations and unit attentions shared with the other nodes of a
     * cluster, null alone: each command that reservations can refuse is
     * checked, and each reservation change applied, in the same tenure of the
     * volume's lock as its I/O, against the state read back at the start of
     * that tenure; other commands read the state first.
     */
    private final ClusterUnitState cluster;
    /** Where reservation changes and the attentions they raise go: {@link #cluster}, or this node alone. */
    private final UnitState unitState;
    /** This node's nexuses and nothing else, whatever the unit shares. */
    private final UnitState thisNodeOnly;
    /** REPORT TARGET PORT GROUPS where the unit has ALUA port groups, else null. */
    private final ReportTargetPortGroups portGroups;

    /** A unit whose persistent reservations end with the server (no APTPL). */
    public BlockCommandProcessor(LogicalUnit unit) {
        this(unit, new Reservations(), new UnitAttentions(), null, null, null);
    }

    /**
     * A unit that keeps persistent reservations in {@code store} when an
     * initiator asks (APTPL), reached through {@code portGroups} (ALUA), or
     * through this one port only when null.
     */
    public static BlockCommandProcessor withReservationStore(LogicalUnit unit, ReservationStore store,
            TargetPortGroups portGroups) throws IOException {
        UnitAttentions attentions = new UnitAttentions();
        if (portGroups == null) {
            return new BlockCommandProcessor(unit, PersistentReserveCommands.restore(store), attentions, store, null,
                    null);
        }
        // A unit reached through several nodes' ports shares its state through the store.
        Reservations reservations = new Reservations(portGroups.local());
        ClusterUnitState cluster = ClusterUnitState.open(reservations, attentions, store, portGroups);
        BlockCommandProcessor processor = new BlockCommandProcessor(unit, reservations, attentions, store, portGroups,
                cluster);
        if (cluster.outlivedTheCluster()) {
            processor.changeEverywhere("forgetting reservations made without APTPL before the cluster restarted",
                    state -> reservations.powerOn());
        }
        return processor;
    }

    private BlockCommandProcessor(LogicalUnit unit, Reservations reservations, UnitAttentions attentions,
            ReservationStore store, TargetPortGroups portGroups, ClusterUnitState cluster) {
        this.reservations = reservations;
        this.attentions = attentions;
        this.cluster = cluster;
        this.thisNodeOnly = new LocalUnitState(reservations, attentions, null);
        this.unitState = cluster != null ? cluster : new LocalUnitState(reservations, attentions, store);
        this.unit = unit;
        this.persistentReserve = new PersistentReserveCommands(reservations, unitState, store != null);
        this.portGroups = portGroups == null ? null : new ReportTargetPortGroups(portGroups);
        this.device = new DeviceInfo(unit, portGroups);
        this.readWrite = new ReadWriteCommands(unit, device);
        this.inquiry = new InquiryCommand(device);
        ModePages modePages = new ModePages(device);
        this.modeSense = new ModeSenseCommand(device, modePages);
        this.modeSelect = new ModeSelectCommand(device, modePages, attentions); // WCE is per node: so is its notice
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
        CommandAccess access = OpcodeTable.access(opcode);
        boolean inTenure = cluster != null && sharedStateDecides(access);
        if (cluster != null && !inTenure) {
            try {
                cluster.catchUp();
            } catch (IOException e) {
                return CommandPlan.finished(failure(e));
            }
        }
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
        if (inTenure) {
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
        boolean attentionFirst = OpcodeTable.unitAttentionFirst(Cdb.u8(cdb, 0));
        return new TenurePlan(decoded, completion -> {
            try {
                return unit.inTenure(tenure -> {
                    cluster.refresh(tenure);
                    SenseCode attention = attentionFirst ? attentions.take(initiatorPort) : null;
                    if (attention != null) { // raised through another node, seen at the refresh
                        return ScsiResult.checkCondition(attention);
                    }
                    return reservations.allows(initiatorPort, access) ? completion.get()
                            : ScsiResult.reservationConflict();
                });
            } catch (IOException e) {
                return failure(e);
            }
        });
    }

    /** The shared state could not be read or the lock not taken: retryable where that is the cause. */
    private static ScsiResult failure(IOException e) {
        return ScsiResult.checkCondition(SenseCode.forFailure(e, SenseCode.UNRECOVERED_READ_ERROR));
    }

    /**
     * Whether the shared reservations can refuse (or are) the command, so it
     * must run in a tenure. TEST UNIT READY and READ CAPACITY are allowed
     * under every persistent reservation (a RESERVE, which refuses them, is
     * seen by reading the state): they never take the lock, so a multipath
     * path checker on a non-optimized path does not pull it from the active
     * node.
     */
    private static boolean sharedStateDecides(CommandAccess access) {
        return access == CommandAccess.READ || access == CommandAccess.WRITE
                || access == CommandAccess.PERSISTENT_RESERVE || access == CommandAccess.LEGACY_RESERVE;
    }

    /** A session of {@code initiatorPort} logged in: from now on it is told of unit attentions. */
    public void nexusStarted(String initiatorPort) {
        if (cluster != null) {
            try {
                cluster.catchUp(); // what happened before the nexus existed is not its news
            } catch (IOException e) {
                LOG.warn("{}: the unit's shared state cannot be read at login: {}", initiatorPort, e.getMessage());
            }
        }
        attentions.nexusStarted(initiatorPort);
    }

    /**
     * The I_T nexus of {@code initiatorPort} ended (logout, lost connection,
     * reinstatement): its RESERVE ends, in a cluster on every node before this returns.
     */
    public void nexusLost(String initiatorPort) {
        attentions.nexusLost(initiatorPort);
        if (reservations.holdsLegacy(initiatorPort)) {
            changeEverywhere("the end of " + initiatorPort + "'s RESERVE", state -> reservations.nexusLost(initiatorPort));
        }
    }

    /** LOGICAL UNIT RESET, or with {@code wholeTarget} a target reset: RESERVE ends, every nexus is told. */
    public void reset(boolean wholeTarget) {
        SenseCode code = wholeTarget ? SenseCode.POWER_ON_OR_RESET : SenseCode.LOGICAL_UNIT_RESET;
        changeEverywhere("a reset", state -> {
            reservations.endLegacy();
            state.raiseForAll(code);
        });
    }

    /**
     * Makes {@code change} and saves it where the unit's state is kept: in a
     * cluster in one tenure of the volume's lock, after reading the state
     * back. If the lock cannot be taken, the change holds on this node only.
     */
    private void changeEverywhere(String what, Consumer<UnitState> change) {
        if (cluster != null) {
            try {
                unit.inTenure(tenure -> {
                    cluster.refresh(tenure);
                    synchronized (reservations) {
                        change.accept(cluster);
                        cluster.changed();
                    }
                    return null;
                });
                return;
            } catch (IOException e) {
                LOG.warn("{} could not be shared with the other nodes ({}); it holds on this node", what,
                        e.getMessage());
            }
        }
        synchronized (reservations) {
            change.accept(thisNodeOnly);
        }
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
        return DataOutPlan.of(0, none -> persistentReserve.legacyReserve(initiatorPort, cdb));
    }

    CommandPlan legacyRelease(String initiatorPort, byte[] cdb) throws ScsiException {
        return DataOutPlan.of(0, none -> persistentReserve.legacyRelease(initiatorPort));
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
