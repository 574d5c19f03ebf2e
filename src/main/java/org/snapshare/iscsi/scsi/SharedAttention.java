package org.snapshare.iscsi.scsi;

/**
 * A unit attention one node raised for nexuses on every node (a reset, a
 * preempted or released reservation), kept in the unit's shared state so
 * the other nodes tell their own nexuses too. {@code sequence} orders them
 * across the cluster; {@code port} null means every nexus.
 */
record SharedAttention(long sequence, int group, SenseCode code, String port) {
}
