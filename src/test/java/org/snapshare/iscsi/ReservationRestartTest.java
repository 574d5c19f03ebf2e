package org.snapshare.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.appliance.Appliance;
import org.snapshare.appliance.ApplianceConfig;

/** The whole server: a reservation registered with APTPL is there, and enforced, after a restart. */
class ReservationRestartTest {

    private static final String TARGET = "iqn.2026-11.org.snapshare:vol0";

    private static Appliance start(Path dataDir) throws Exception {
        return Appliance.start(ApplianceConfig.defaults().with("data-dir", dataDir.toString())
                .with("portal", "127.0.0.1:0").with("default-volume-size", "1M"));
    }

    /** PERSISTENT RESERVE OUT with its 24-byte parameter list as immediate data. */
    private static int reserveOut(TestInitiator initiator, int serviceAction, int type, long key, long newKey,
            int flags) throws Exception {
        ByteBuffer list = ByteBuffer.allocate(24).putLong(0, key).putLong(8, newKey).put(20, (byte) flags);
        initiator.send(initiator.command(0xa0, 24, 0x5f, serviceAction, type, 0, 0, 0, 0, 0, 24, 0).data(list));
        return initiator.receive().byteAt(3);
    }

    @Test
    void aptplReservationIsKeptAndEnforcedAfterARestart(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (Appliance first = start(data); TestInitiator holder = new TestInitiator(first.portal())) {
            holder.loginNormal(TARGET);
            assertEquals(0, reserveOut(holder, 0, 0, 0, 0x5eed, 0x01));   // REGISTER, APTPL
            assertEquals(0, reserveOut(holder, 1, 1, 0x5eed, 0, 0));       // RESERVE, write exclusive
        }
        try (Appliance second = start(data); TestInitiator other = new TestInitiator(second.portal())) {
            other.loginNormal(TARGET); // another ISID: another I_T nexus
            other.send(other.command(0xc0, 24, 0x5e, 1, 0, 0, 0, 0, 0, 0, 24, 0)); // READ RESERVATION
            ByteBuffer reservation = other.readData(24);
            assertEquals(0x5eed, reservation.getLong(8), "the holder's key survived the restart");
            assertEquals(1, reservation.get(21), "write exclusive");
            other.send(other.command(0xa0, 512, 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0).data(TestInitiator.bytes(512, 1)));
            assertEquals(0x18, other.receive().byteAt(3), "RESERVATION CONFLICT for a write from another nexus");
        }
    }
}
