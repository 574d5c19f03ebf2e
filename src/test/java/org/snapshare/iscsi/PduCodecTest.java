package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.jscsi.parser.OperationCode;
import org.jscsi.parser.ProtocolDataUnit;
import org.jscsi.parser.ProtocolDataUnitFactory;
import org.jscsi.parser.data.DataInParser;
import org.jscsi.parser.scsi.SCSICommandParser;
import org.jscsi.parser.scsi.SCSIResponseParser;
import org.jscsi.parser.scsi.SCSIStatus;
import org.junit.jupiter.api.Test;

/** Our PDU codec checked against jSCSI's independent parser, in both directions. */
class PduCodecTest {

    private static byte[] encode(Pdu pdu) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PduWriter(out).write(pdu);
        return out.toByteArray();
    }

    @Test
    void readsAScsiCommandThatJscsiEncoded() throws Exception {
        ProtocolDataUnit jscsi = new ProtocolDataUnitFactory().create(false, true, OperationCode.SCSI_COMMAND,
                "None", "None");
        SCSICommandParser parser = (SCSICommandParser) jscsi.getBasicHeaderSegment().getParser();
        byte[] cdb = {0x2a, 0, 0, 0, 0, 16, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
        parser.setWriteExpectedFlag(true);
        parser.setTaskAttributes(SCSICommandParser.TaskAttributes.SIMPLE);
        parser.setExpectedDataTransferLength(1024);
        parser.setCommandDescriptorBlock(ByteBuffer.wrap(cdb));
        parser.setCommandSequenceNumber(77);
        jscsi.getBasicHeaderSegment().setInitiatorTaskTag(0x1234);
        byte[] payload = new byte[5]; // odd length: the wire carries 3 padding bytes
        Arrays.fill(payload, (byte) 9);
        jscsi.setDataSegment(ByteBuffer.wrap(payload));
        ByteBuffer wire = jscsi.serialize();
        byte[] bytes = new byte[wire.remaining()];
        wire.get(bytes);

        PduReader reader = new PduReader(new ByteArrayInputStream(bytes), 8192);
        Pdu pdu = reader.read();
        assertEquals(Opcode.SCSI_COMMAND, pdu.opcode());
        assertEquals(0x1234, pdu.initiatorTaskTag());
        assertEquals(77, pdu.cmdSn());
        assertEquals(1024, pdu.intAt(20));
        assertTrue((pdu.flags() & 0xa0) == 0xa0, "F and W bits");
        assertArrayEquals(cdb, pdu.cdb());
        assertEquals(5, pdu.dataSegmentLength());
        assertArrayEquals(payload, Arrays.copyOf(pdu.data().array(), 5));
        assertNull(reader.read(), "padding consumed, clean end of stream");
    }

    @Test
    void jscsiReadsOurDataInAndScsiResponse() throws Exception {
        Pdu dataIn = Pdu.response(Opcode.DATA_IN).flags(0x80 | 0x01 | 0x02).initiatorTaskTag(0x55)
                .intAt(20, Pdu.NO_TAG).intAt(24, 3).intAt(28, 10).intAt(32, 41).intAt(36, 2).intAt(40, 8192)
                .intAt(44, 100).data(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        ProtocolDataUnit decoded = new ProtocolDataUnitFactory().create("None", "None");
        decoded.deserialize(ByteBuffer.wrap(encode(dataIn)));
        DataInParser in = (DataInParser) decoded.getBasicHeaderSegment().getParser();
        assertEquals(0x55, decoded.getBasicHeaderSegment().getInitiatorTaskTag());
        assertTrue(in.isStatusFlag());
        assertTrue(in.isResidualUnderflow());
        assertEquals(2, in.getDataSequenceNumber());
        assertEquals(8192, in.getBufferOffset());
        assertEquals(100, in.getResidualCount());
        assertEquals(3, in.getStatusSequenceNumber());
        assertEquals(41, in.getMaximumCommandSequenceNumber());
        assertEquals(3, decoded.getBasicHeaderSegment().getDataSegmentLength());

        Pdu response = Pdu.response(Opcode.SCSI_RESPONSE).flags(0x80).byteAt(3, 0x02).initiatorTaskTag(0x56)
                .intAt(24, 4).intAt(28, 10).intAt(32, 41).data(ByteBuffer.wrap(new byte[20]));
        ProtocolDataUnit decodedResponse = new ProtocolDataUnitFactory().create("None", "None");
        decodedResponse.deserialize(ByteBuffer.wrap(encode(response)));
        SCSIResponseParser status = (SCSIResponseParser) decodedResponse.getBasicHeaderSegment().getParser();
        assertEquals(SCSIStatus.CHECK_CONDITION, status.getStatus());
        assertEquals(4, status.getStatusSequenceNumber());
    }

    @Test
    void streamEndingInsideAPduIsAnError() throws Exception {
        byte[] partial = Arrays.copyOf(encode(Pdu.response(Opcode.NOP_IN).data(ByteBuffer.allocate(100))), 60);
        PduReader reader = new PduReader(new ByteArrayInputStream(partial), 8192);
        assertThrows(EOFException.class, reader::read);
    }

    @Test
    void segmentsOverTheLimitAreRefused() throws Exception {
        byte[] wire = encode(Pdu.response(Opcode.NOP_IN).data(ByteBuffer.allocate(9000)));
        PduReader reader = new PduReader(new ByteArrayInputStream(wire), 8192);
        assertThrows(ProtocolException.class, reader::read);
    }
}
