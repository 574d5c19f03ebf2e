package org.snapshare.iscsi.scsi;

/** How a command stands toward reservations held by another I_T nexus (SPC-4, table 63; SPC-2, 5.5.1). */
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
    LEGACY_RESERVE;

    /** The class of {@code opcode}; commands the processor does not know are treated as writes. */
    static CommandAccess of(int opcode) {
        switch (opcode) {
            case 0x12: // INQUIRY
            case 0xa0: // REPORT LUNS
            case 0x03: // REQUEST SENSE
            case 0xa3: // MAINTENANCE IN (REPORT SUPPORTED OPERATION CODES)
                return ALWAYS;
            case 0x00: // TEST UNIT READY
            case 0x25: // READ CAPACITY (10)
            case 0x9e: // SERVICE ACTION IN (16): READ CAPACITY (16), GET LBA STATUS
                return STATUS;
            case 0x08: case 0x28: case 0xa8: case 0x88: // READ
            case 0x2f: case 0xaf: case 0x8f:            // VERIFY
            case 0x34: case 0x90:                        // PRE-FETCH
            case 0x1a: case 0x5a:                        // MODE SENSE
            case 0x37: case 0xb7:                        // READ DEFECT DATA
                return READ;
            case 0x5e: case 0x5f:
                return PERSISTENT_RESERVE;
            case 0x16: case 0x56: case 0x17: case 0x57:
                return LEGACY_RESERVE;
            default:
                return WRITE;
        }
    }
}
