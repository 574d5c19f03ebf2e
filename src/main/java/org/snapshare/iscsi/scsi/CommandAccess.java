package org.snapshare.iscsi.scsi;

/**
 * How a command stands toward reservations held by another I_T nexus (SPC-4,
 * table 63; SPC-2, 5.5.1); each opcode's class is in {@link OpcodeTable}.
 */
enum CommandAccess {
    /** INQUIRY, REPORT LUNS, REQUEST SENSE, REPORT SUPPORTED OPERATION CODES: never in conflict. */
    ALWAYS,
    /** TEST UNIT READY, READ CAPACITY: allowed under persistent reservations, not under RESERVE. */
    STATUS,
    /** Reads the medium or its settings: allowed only by the write-exclusive types. */
    READ,
    /** Changes the medium, its cache or its settings. */
    WRITE,
    /** PERSISTENT RESERVE IN/OUT: their service actions check keys themselves. */
    PERSISTENT_RESERVE,
    /** RESERVE and RELEASE (6)/(10): they check the reservation themselves. */
    LEGACY_RESERVE
}
