package org.snapshare.iscsi.scsi;

/**
 * An SPC-2 RESERVE: the initiator port that made it and the port group
 * (cluster node, 0 alone) it came through. Together they name the I_T nexus
 * the reservation belongs to: the same initiator port through another node
 * is another nexus, and is refused like any other.
 */
record LegacyReservation(String port, int group) {
}
