package org.snapshare.iscsi.scsi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PERSISTENT RESERVE IN and OUT (SPC-4, 6.15 and 6.16), and RESERVE/RELEASE
 * (6)/(10) (SPC-2), decoded here and carried out by {@link Reservations}.
 * Not offered: SPEC_I_PT and REGISTER AND MOVE, as REPORT CAPABILITIES says;
 * APTPL only where the unit has a {@link ReservationStore}. Each change is
 * handed to the unit's {@link UnitState} under the reservations' lock.
 */
final class PersistentReserveCommands {

    private static final Logger LOG = LoggerFactory.getLogger(PersistentReserveCommands.class);

    private static final int READ_KEYS = 0;
    private static final int READ_RESERVATION = 1;
    private static final int REPORT_CAPABILITIES = 2;
    private static final int READ_FULL_STATUS = 3;

    private static final int REGISTER = 0;
    private static final int RESERVE = 1;
    private static final int RELEASE = 2;
    private static final int CLEAR = 3;
    private static final int PREEMPT = 4;
    private static final int PREEMPT_AND_ABORT = 5;
    private static final int REGISTER_AND_IGNORE_EXISTING_KEY = 6;

    /** The basic PERSISTENT RESERVE OUT parameter list (SPC-4, 6.16.3). */
    private static final int PARAMETER_LIST_LENGTH = 24;
    private static final int SPEC_I_PT = 0x08;
    private static final int APTPL = 0x01;

    private final Reservations reservations;
    private final UnitState state;
    private final boolean persistCapable; // the unit has a store: APTPL is offered

    PersistentReserveCommands(Reservations reservations, UnitState state, boolean persistCapable) {
        this.reservations = reservations;
        this.state = state;
        this.persistCapable = persistCapable;
    }

    /** The persistent reservations {@code store} kept for APTPL, or none; a damaged state is an error naming what is wrong. */
    static Reservations restore(ReservationStore store) throws IOException {
        Optional<String> kept = store.load();
        Reservations reservations = new Reservations();
        if (kept.isPresent()) {
            reservations.replaceWith(ReservationForm.read(kept.get()).reservations(), null);
        }
        return reservations;
    }

    ScsiResult in(byte[] cdb) throws ScsiException {
        int serviceAction = Cdb.u8(cdb, 1) & 0x1f;
        int allocationLength = Cdb.u16(cdb, 7);
        byte[] data;
        switch (serviceAction) {
            case READ_KEYS:
                data = readKeys();
                break;
            case READ_RESERVATION:
                data = readReservation();
                break;
            case REPORT_CAPABILITIES:
                data = reportCapabilities(persistCapable, reservations.persistThroughPowerLoss());
                break;
            case READ_FULL_STATUS:
                data = readFullStatus();
                break;
            default:
                throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB,
                        "PERSISTENT RESERVE IN service action " + serviceAction);
        }
        return ScsiResult.good(data, allocationLength);
    }

    private byte[] readKeys() {
        List<Long> keys = reservations.registeredKeys();
        byte[] data = new byte[8 + 8 * keys.size()];
        Cdb.put32(data, 0, reservations.generation());
        Cdb.put32(data, 4, 8L * keys.size());
        for (int i = 0; i < keys.size(); i++) {
            Cdb.put64(data, 8 + 8 * i, keys.get(i));
        }
        return data;
    }

    private byte[] readReservation() {
        int type = reservations.reservationType();
        byte[] data = new byte[type == 0 ? 8 : 24];
        Cdb.put32(data, 0, reservations.generation());
        if (type != 0) {
            Cdb.put32(data, 4, 16);
            Cdb.put64(data, 8, reservations.reservationKey());
            data[21] = (byte) type; // scope 0: the logical unit
        }
        return data;
    }

    private static byte[] reportCapabilities(boolean persistCapable, boolean persistActive) {
        byte[] data = new byte[8];
        Cdb.put16(data, 0, 8);
        // CRH: RESERVE/RELEASE per SPC-4 5.13.3; ATP_C: one target port, so all of them; PTPL_C
        data[2] = (byte) (0x10 | 0x04 | (persistCapable ? 0x01 : 0));
        data[3] = (byte) (0x80 | (persistActive ? 0x01 : 0)); // TMV: the type mask is valid; PTPL_A
        data[4] = (byte) 0xea; // WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX
        data[5] = 0x01;        // EX_AC_AR
        return data;
    }

    private byte[] readFullStatus() {
        ByteArrayOutputStream descriptors = new ByteArrayOutputStream();
        int type = reservations.reservationType();
        for (Reservations.Registration registration : reservations.registrations()) {
            byte[] transportId = transportId(registration.port);
            byte[] descriptor = new byte[24 + transportId.length];
            Cdb.put64(descriptor, 0, registration.key);
            if (registration.holder) {
                descriptor[12] = 0x01; // R_HOLDER
                descriptor[13] = (byte) type;
            }
            Cdb.put16(descriptor, 18, 1); // relative target port identifier
            Cdb.put32(descriptor, 20, transportId.length);
            System.arraycopy(transportId, 0, descriptor, 24, transportId.length);
            descriptors.writeBytes(descriptor);
        }
        byte[] data = new byte[8 + descriptors.size()];
        Cdb.put32(data, 0, reservations.generation());
        Cdb.put32(data, 4, descriptors.size());
        System.arraycopy(descriptors.toByteArray(), 0, data, 8, descriptors.size());
        return data;
    }

    /** An iSCSI TransportID naming an initiator port (SPC-4, 7.6.4.6: format 01b, name ",i,0x" ISID). */
    private static byte[] transportId(String initiatorPort) {
        byte[] name = initiatorPort.getBytes(StandardCharsets.UTF_8);
        int padded = (name.length + 1 + 3) & ~3; // NUL-terminated, a multiple of 4
        byte[] id = new byte[4 + Math.max(padded, 20)];
        id[0] = 0x40 | 0x05; // format 01b, protocol identifier 5: iSCSI
        Cdb.put16(id, 2, id.length - 4);
        System.arraycopy(name, 0, id, 4, name.length);
        return id;
    }

    /** PERSISTENT RESERVE OUT: the parameter list comes as data-out. */
    CommandPlan out(String port, byte[] cdb) throws ScsiException {
        int serviceAction = Cdb.u8(cdb, 1) & 0x1f;
        int scope = Cdb.u8(cdb, 2) >>> 4;
        int type = Cdb.u8(cdb, 2) & 0x0f;
        long listLength = Cdb.u32(cdb, 5);
        if (serviceAction > REGISTER_AND_IGNORE_EXISTING_KEY) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB,
                    "PERSISTENT RESERVE OUT service action " + serviceAction + " (REGISTER AND MOVE is not offered)");
        }
        if (listLength != PARAMETER_LIST_LENGTH) {
            throw new ScsiException(SenseCode.PARAMETER_LIST_LENGTH_ERROR,
                    "parameter list of " + listLength + " bytes; without SPEC_I_PT it is 24");
        }
        boolean typed = serviceAction == RESERVE || serviceAction == RELEASE
                || serviceAction == PREEMPT || serviceAction == PREEMPT_AND_ABORT;
        if (typed && (scope != 0 || !Reservations.validType(type))) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "scope " + scope + ", type " + type);
        }
        return DataOutPlan.of(PARAMETER_LIST_LENGTH, dataOut -> {
            byte[] list = new byte[PARAMETER_LIST_LENGTH];
            dataOut.duplicate().get(list);
            return execute(port, serviceAction, type, list);
        });
    }

    /** Carries out the service action and, under the same lock, saves the state it leaves. */
    private ScsiResult execute(String port, int serviceAction, int type, byte[] list) throws IOException {
        int flags = Cdb.u8(list, 20);
        boolean aptpl = (flags & APTPL) != 0;
        if ((flags & SPEC_I_PT) != 0 || (aptpl && !persistCapable)) {
            // SIP_C is 0 in REPORT CAPABILITIES, and PTPL_C without a store.
            LOG.info("{}: PERSISTENT RESERVE OUT with {} refused: not offered here", port,
                    aptpl ? "APTPL" : "SPEC_I_PT");
            return ScsiResult.checkCondition(SenseCode.INVALID_FIELD_IN_PARAMETER_LIST);
        }
        synchronized (reservations) {
            ScsiResult result = apply(port, serviceAction, type, list, aptpl);
            state.changed();
            return result;
        }
    }

    private ScsiResult apply(String port, int serviceAction, int type, byte[] list, boolean aptpl) {
        long key = Cdb.u64(list, 0);
        long serviceActionKey = Cdb.u64(list, 8);
        try {
            switch (serviceAction) {
                case REGISTER:
                case REGISTER_AND_IGNORE_EXISTING_KEY:
                    if (reservations.full(port, serviceActionKey)) {
                        LOG.warn("{}: PERSISTENT RESERVE OUT REGISTER refused: {} registrations already", port,
                                Reservations.MAX_REGISTRATIONS);
                        return ScsiResult.checkCondition(SenseCode.INSUFFICIENT_REGISTRATION_RESOURCES);
                    }
                    reservations.register(port, key, serviceActionKey, serviceAction != REGISTER, aptpl);
                    return ScsiResult.good();
                case RESERVE:
                    reservations.reserve(port, key, type);
                    return ScsiResult.good();
                case RELEASE:
                    List<String> told = reservations.release(port, key, type);
                    if (told == null) {
                        return ScsiResult.checkCondition(SenseCode.INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
                    }
                    told.forEach(other -> state.raiseFor(other, SenseCode.RESERVATIONS_RELEASED));
                    return ScsiResult.good();
                case CLEAR:
                    reservations.clear(port, key).forEach(other -> state.raiseFor(other,
                            SenseCode.RESERVATIONS_PREEMPTED));
                    return ScsiResult.good();
                default: // PREEMPT, PREEMPT AND ABORT: the preempted nexuses' commands finish on their own
                    List<String> preempted = reservations.preempt(port, key, serviceActionKey, type);
                    if (preempted == null) {
                        return ScsiResult.checkCondition(SenseCode.INVALID_FIELD_IN_PARAMETER_LIST);
                    }
                    preempted.forEach(other -> state.raiseFor(other, SenseCode.REGISTRATIONS_PREEMPTED));
                    return ScsiResult.good();
            }
        } catch (Reservations.ConflictException e) {
            LOG.debug("{}: PERSISTENT RESERVE OUT service action {} conflicts: {}", port, serviceAction, e.getMessage());
            return ScsiResult.reservationConflict();
        }
    }

    /** RESERVE (6)/(10): element and third-party reservations are not offered. */
    ScsiResult legacyReserve(String port, byte[] cdb) throws ScsiException, IOException {
        int opcode = Cdb.u8(cdb, 0);
        int flags = Cdb.u8(cdb, 1);
        if (opcode == 0x56 ? (flags & 0x12) != 0 : (flags & 0x01) != 0) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "third-party or extent reservation");
        }
        synchronized (reservations) {
            try {
                reservations.legacyReserve(port);
            } catch (Reservations.ConflictException e) {
                LOG.debug("{}: RESERVE conflicts: {}", port, e.getMessage());
                return ScsiResult.reservationConflict();
            }
            state.changed();
            return ScsiResult.good();
        }
    }

    ScsiResult legacyRelease(String port) throws IOException {
        synchronized (reservations) {
            try {
                reservations.legacyRelease(port);
            } catch (Reservations.ConflictException e) {
                return ScsiResult.reservationConflict();
            }
            state.changed();
            return ScsiResult.good();
        }
    }
}
