package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with the clients people use: the Linux open-iscsi initiator in a
 * guest, and QEMU using LUNs as VM disks (integration-tests/guest/). Each
 * scenario prints what it checked; times and the accelerator go to stdout.
 */
class RealClientsIT {

    /** Generous: under software emulation a guest boots and formats in about a minute. */
    private static final long STEP_SECONDS = 600;

    @BeforeAll
    static void toolsInstalled() throws Exception {
        ExternalTools.require("qemu-system-x86_64", "apt-get", "dpkg-deb");
        Guest.image();
        Guest.accelerator();
    }

    /**
     * The volume and (by fallback) its snapshots require CHAP; the guest's
     * iscsiadm logs in with it. The guest also takes a persistent reservation
     * with sg_persist, which the host's qemu-io then runs into.
     */
    @Test
    void openIscsiLogsInWithChapFormatsAndFindsTheSnapshotsFiles(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("chap.conf");
        ServerProcess configured = new ServerProcess(dir.resolve("data"));
        // The guest reaches the host's 127.0.0.1 as 10.0.2.2: discovery must say so.
        // Only this target needs CHAP; the guest's discovery goes without, which must be said (docs/ACCESS.md).
        Files.writeString(config, "chap-user.linux = guest\nchap-secret.linux = guest-secret-42\n"
                + "discovery-auth = none\n" + "advertised-portal = 10.0.2.2:" + configured.port + "\n");
        try (ServerProcess server = configured.start("--config", config.toString())) {
            server.cli("volume", "create", "linux", "--size", "256M").assertSuccess("volume create");
            String target = ServerProcess.IQN + "linux";
            try (Guest guest = Guest.start("open-iscsi", "open-iscsi", "port=" + server.port + " target=" + target
                    + " snapshot=snap chap_user=guest chap_secret=guest-secret-42 resized_sectors="
                    + (384L << 20) / 512, List.of())) {
                guest.await("READY-FOR-SNAPSHOT", STEP_SECONDS);
                server.cli("snapshot", "create", "linux", "snap").assertSuccess("snapshot create");
                guest.send("snapshot-taken");
                guest.await("RESERVED", STEP_SECONDS);
                // The guest holds a write-exclusive reservation: this second initiator may read, not write.
                String other = "iscsi://guest%guest-secret-42@127.0.0.1:" + server.port + "/" + target + "/0";
                ExternalTools.Result read = ExternalTools.qemuIo(other, "read 0 64k");
                assertTrue(read.output.contains("read 65536/65536 bytes") && !read.output.contains("fail"),
                        read.output);
                ExternalTools.Result write = ExternalTools.qemuIo(other, "write -P 0x66 1M 64k");
                assertTrue(write.output.contains("write failed"), "a write past the guest's reservation:\n"
                        + write.output);
                guest.send("reservation-checked");
                guest.await("READY-FOR-RESIZE", STEP_SECONDS);
                server.cli("volume", "resize", "linux", "--size", "384M").assertSuccess("volume resize");
                ExternalTools.Result info = ExternalTools.run(60, "qemu-img", "info", other);
                assertTrue(info.output.contains("384 MiB"), "qemu-img info after the resize:\n" + info.output);
                guest.send("volume-resized");
                guest.await("PASS", STEP_SECONDS);
                System.out.println("open-iscsi scenario: " + guest.awaitExit(60) + " s with " + Guest.accelerator());
            }
            assertTrue(server.log().contains("to " + target + ", header digest CRC32C, data digest CRC32C"),
                    "open-iscsi ran with both digests:\n" + server.log());
        }
    }

    @Test
    void vmDisksSurviveARebootAndASecondVmBootsOnTheSnapshot(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("volume", "create", "vm", "--size", "256M").assertSuccess("volume create");
            List<String> originDisk = disk(server.url("vm"), "vm1");
            long seconds;
            try (Guest first = Guest.start("vm1-first-boot", "vm-disk-format", "", originDisk)) {
                first.await("PASS", STEP_SECONDS);
                seconds = first.awaitExit(60);
            }
            try (Guest first = Guest.start("vm1-reboot", "vm-disk-reboot", "", originDisk)) {
                first.await("READY-FOR-SNAPSHOT", STEP_SECONDS);
                server.cli("snapshot", "create", "vm", "snap").assertSuccess("snapshot create");
                first.send("snapshot-taken");
                first.await("WAITING", STEP_SECONDS);
                try (Guest second = Guest.start("vm2-on-snapshot", "vm-disk-snapshot", "",
                        disk(server.url("vm", "snap"), "vm2"))) {
                    second.await("PASS", STEP_SECONDS);
                    seconds += second.awaitExit(60);
                }
                first.send("finish");
                first.await("PASS", STEP_SECONDS);
                seconds += first.awaitExit(60);
            }
            System.out.println("VM disk scenario: " + seconds + " s of guest time with " + Guest.accelerator());
        }
    }

    /**
     * Issue 31: a golden image formatted by one VM, cloned; a VM on the clone
     * writes its own file; a clone of that clone's snapshot boots a third VM
     * after the golden volume and the first clone are deleted.
     */
    @Test
    void aVmBootsFromACloneOfACloneWhoseSourcesAreGone(@TempDir Path dir) throws Exception {
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start()) {
            server.cli("volume", "create", "golden", "--size", "256M").assertSuccess("volume create");
            long seconds;
            try (Guest installer = Guest.start("golden-image", "vm-disk-format", "",
                    disk(server.url("golden"), "golden"))) {
                installer.await("PASS", STEP_SECONDS);
                seconds = installer.awaitExit(60);
            }
            server.cli("snapshot", "create", "golden", "base").assertSuccess("snapshot of the golden image");
            server.cli("volume", "clone", "vm1", "--from", "golden@base").assertSuccess("clone");
            try (Guest first = Guest.start("vm1-on-a-clone", "vm-disk-snapshot", "", disk(server.url("vm1"), "vm1"))) {
                first.await("PASS", STEP_SECONDS);
                seconds += first.awaitExit(60);
            }
            server.cli("snapshot", "create", "vm1", "t").assertSuccess("snapshot of the clone");
            server.cli("volume", "clone", "vm2", "--from", "vm1@t").assertSuccess("clone of the clone");
            CloneIT.awaitCopied(server, "vm1");
            CloneIT.awaitCopied(server, "vm2");
            server.cli("volume", "delete", "golden").assertSuccess("delete the golden volume");
            server.cli("volume", "delete", "vm1").assertSuccess("delete the first clone");
            try (Guest third = Guest.start("vm2-on-a-clone-of-a-clone", "vm-disk-clone", "",
                    disk(server.url("vm2"), "vm2"))) {
                third.await("PASS", STEP_SECONDS);
                seconds += third.awaitExit(60);
            }
            System.out.println("clone scenario: " + seconds + " s of guest time with " + Guest.accelerator());
        }
    }

    /** QEMU's own iSCSI client (libiscsi) attaching a LUN as the guest's virtio disk. */
    private static List<String> disk(String url, String initiator) {
        return List.of("-drive", "file=" + url + ",format=raw,if=virtio,cache=none",
                "-iscsi", "initiator-name=iqn.2026-11.org.snapshare:" + initiator);
    }
}
