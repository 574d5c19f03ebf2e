package org.snapshare.iscsi;

/**
 * The operational parameters of one session as negotiated at login, with
 * RFC 7143 defaults until a key is negotiated.
 */
final class SessionParameters {

    /** What we accept in one data segment; declared to the initiator. */
    final int targetMaxRecvDataSegmentLength;
    /** The most we send in one data segment; declared by the initiator. */
    int initiatorMaxRecvDataSegmentLength = 8192;
    int maxBurstLength = 262144;
    int firstBurstLength = 65536;
    boolean initialR2T = true;
    boolean immediateData = true;
    boolean discovery;
    /** CRC32C on headers / data segments, from the first PDU after the login (RFC 7143, 13.1). */
    boolean headerDigest;
    boolean dataDigest;
    String initiatorName;
    String targetName;

    SessionParameters(int targetMaxRecvDataSegmentLength) {
        this.targetMaxRecvDataSegmentLength = targetMaxRecvDataSegmentLength;
    }
}
