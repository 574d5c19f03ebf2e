package org.snapshare.iscsi.scsi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** INQUIRY (SPC-4, 6.6): standard data and the vital product data pages. */
final class InquiryCommand {

    private static final int[] SUPPORTED_PAGES = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};
    private static final int[] VERSION_DESCRIPTORS = {0x0960 /* iSCSI */, 0x04c0 /* SBC-3 */, 0x0460 /* SPC-4 */};

    private final DeviceInfo device;

    InquiryCommand(DeviceInfo device) {
        this.device = device;
    }

    ScsiResult execute(byte[] cdb) throws ScsiException {
        boolean evpd = (Cdb.u8(cdb, 1) & 0x01) != 0;
        boolean cmdDt = (Cdb.u8(cdb, 1) & 0x02) != 0;
        int page = Cdb.u8(cdb, 2);
        int allocationLength = Cdb.u16(cdb, 3);
        if (cmdDt || (!evpd && page != 0)) {
            throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "INQUIRY page without EVPD");
        }
        byte[] data = evpd ? vpdPage(page) : standard(0x00);
        return ScsiResult.good(data, allocationLength);
    }

    /** Peripheral qualifier 3, type 0x1f: "no logical unit here". */
    static ScsiResult missingLun(byte[] cdb) {
        byte[] data = standardFor(0x7f, "", "");
        return ScsiResult.good(data, Cdb.u16(cdb, 3));
    }

    private byte[] standard(int peripheral) {
        byte[] data = standardFor(peripheral, DeviceInfo.PRODUCT, device.serial());
        if (device.portGroups != null) {
            data[5] = 0x10; // TPGS 01b: implicit ALUA, the target sets the states
        }
        return data;
    }

    private static byte[] standardFor(int peripheral, String product, String serial) {
        byte[] data = new byte[66];
        data[0] = (byte) peripheral;
        data[2] = 0x06; // SPC-4
        data[3] = 0x12; // HiSup, response data format 2
        data[4] = (byte) (data.length - 5);
        data[7] = 0x02; // CmdQue: several tasks may be outstanding
        System.arraycopy(DeviceInfo.ascii(DeviceInfo.VENDOR, 8), 0, data, 8, 8);
        System.arraycopy(DeviceInfo.ascii(product, 16), 0, data, 16, 16);
        System.arraycopy(DeviceInfo.ascii("0001", 4), 0, data, 32, 4);
        System.arraycopy(DeviceInfo.ascii(serial, 20), 0, data, 36, 20);
        for (int i = 0; i < VERSION_DESCRIPTORS.length; i++) {
            Cdb.put16(data, 58 + 2 * i, VERSION_DESCRIPTORS[i]);
        }
        return data;
    }

    private byte[] vpdPage(int page) throws ScsiException {
        switch (page) {
            case 0x00:
                return supportedPages();
            case 0x80:
                return page(0x80, DeviceInfo.ascii(device.serial(), 16));
            case 0x83:
                return deviceIdentification();
            case 0xb0:
                return blockLimits();
            case 0xb1:
                return blockDeviceCharacteristics();
            case 0xb2:
                return logicalBlockProvisioning();
            default:
                throw new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, "VPD page 0x" + Integer.toHexString(page));
        }
    }

    private static byte[] supportedPages() {
        byte[] list = new byte[SUPPORTED_PAGES.length];
        for (int i = 0; i < list.length; i++) {
            list[i] = (byte) SUPPORTED_PAGES[i];
        }
        return page(0x00, list);
    }

    /** Page 0x83: an NAA (locally assigned) and a T10 vendor designator, both from the unique id. */
    private byte[] deviceIdentification() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] naa = new byte[8];
        Cdb.put64(naa, 0, (0x3L << 60) | (device.uniqueId & 0x0fffffffffffffffL));
        designator(body, 0x01, 0x03, naa);
        byte[] vendorId = (new String(DeviceInfo.ascii(DeviceInfo.VENDOR, 8), StandardCharsets.US_ASCII)
                + device.serial()).getBytes(StandardCharsets.US_ASCII);
        designator(body, 0x02, 0x01, vendorId);
        if (device.portGroups != null) { // the port this answer came through: its group and relative id
            byte[] port = new byte[4];
            Cdb.put16(port, 2, device.portGroups.local());
            designator(body, ISCSI_BINARY, TARGET_PORT | 0x04, port); // relative target port identifier
            designator(body, ISCSI_BINARY, TARGET_PORT | 0x05, port); // target port group
        }
        return page(0x83, body.toByteArray());
    }

    /** PIV and association 01b in a designator's second byte: it names the target port, not the logical unit. */
    private static final int TARGET_PORT = 0x80 | 0x10;
    /** Protocol identifier 5 (iSCSI), valid with PIV, and code set 1 (binary). */
    private static final int ISCSI_BINARY = 0x51;

    private static void designator(ByteArrayOutputStream out, int codeSet, int associationAndType, byte[] value) {
        out.write(codeSet);
        out.write(associationAndType); // association 0 (the logical unit) unless TARGET_PORT
        out.write(0);
        out.write(value.length);
        out.writeBytes(value);
    }

    private byte[] blockLimits() {
        byte[] body = new byte[0x3c];
        Cdb.put16(body, 2, 1); // optimal transfer length granularity: 1 block
        Cdb.put32(body, 4, DeviceInfo.MAX_TRANSFER_BLOCKS);
        Cdb.put32(body, 8, DeviceInfo.MAX_TRANSFER_BLOCKS);
        body[0] = 0x01; // WSNZ: WRITE SAME of 0 blocks is refused
        body[1] = (byte) DeviceInfo.MAX_COMPARE_AND_WRITE_BLOCKS;
        if (device.thin) { // body offsets are page offsets less the 4-byte header
            Cdb.put32(body, 16, ProvisioningCommands.MAX_UNMAP_BLOCKS);
            Cdb.put32(body, 20, ProvisioningCommands.MAX_UNMAP_DESCRIPTORS);
            Cdb.put32(body, 24, ProvisioningCommands.OPTIMAL_UNMAP_GRANULARITY);
            body[28] = (byte) 0x80; // UGAVALID: granularity alignment 0
        }
        Cdb.put64(body, 32, DeviceInfo.MAX_WRITE_SAME_BLOCKS);
        return page(0xb0, body);
    }

    /** Page 0xB2: origins are thin (UNMAP, WRITE SAME with UNMAP, LBPRZ); snapshots fully provisioned. */
    private byte[] logicalBlockProvisioning() {
        byte[] body = new byte[4];
        if (device.thin) {
            body[1] = (byte) (0x80 | 0x40 | 0x20 | 0x04); // LBPU, LBPWS, LBPWS10, LBPRZ
            body[2] = 0x02; // provisioning type: thin
        }
        return page(0xb2, body);
    }

    private static byte[] blockDeviceCharacteristics() {
        byte[] body = new byte[0x3c];
        Cdb.put16(body, 0, 1); // medium rotation rate 1: non-rotating
        return page(0xb1, body);
    }

    private static byte[] page(int code, byte[] body) {
        byte[] data = new byte[4 + body.length];
        data[1] = (byte) code;
        Cdb.put16(data, 2, body.length);
        System.arraycopy(body, 0, data, 4, body.length);
        return data;
    }
}
