package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs the built .deb into this machine (as root), runs the installed
 * server with the installed config on a temp data dir and a loopback portal,
 * checks it with iscsi-ls, then purges the package again.
 */
class DebianPackageIT {

    private static Path deb;

    @BeforeAll
    static void packageBuilt() throws Exception {
        ExternalTools.require("dpkg", "apt-get", "lintian", "iscsi-ls", "qemu-io", "systemd-analyze");
        assertEquals("0", ExternalTools.run(10, "id", "-u").output.trim(),
                "installing the package needs root; run the README's test command as root");
        Path target = Path.of(ServerProcess.jar()).getParent();
        try (Stream<Path> files = Files.list(target)) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("snapshare_.*_all\\.deb"))
                    .collect(Collectors.toList());
            assertEquals(1, debs.size(), "exactly one snapshare_*_all.deb in target/: " + debs);
            deb = debs.get(0);
        }
    }

    @Test
    void lintianFindsNoErrors() throws Exception {
        ExternalTools.Result lintian = ExternalTools.run(300, "lintian", deb.toString());
        assertFalse(lintian.output.lines().anyMatch(line -> line.startsWith("E:")), lintian.output);
        assertEquals(0, lintian.exitCode, lintian.output);
    }

    /**
     * The installed unit is hardened (systemd's own exposure score, computed
     * offline: no systemd runs here) and its JVM options start the installed
     * launcher.
     */
    private static void checkServiceUnit() throws Exception {
        String unit = "/lib/systemd/system/snapshare.service";
        ExternalTools.Result security = ExternalTools.run(60, "systemd-analyze", "security", "--offline=yes", unit);
        java.util.regex.Matcher exposure = java.util.regex.Pattern.compile("exposure level for snapshare.service:"
                + " ([0-9.]+)").matcher(security.output);
        assertTrue(exposure.find(), security.output);
        System.out.println("systemd-analyze security --offline=yes: exposure " + exposure.group(1));
        assertTrue(Double.parseDouble(exposure.group(1)) <= 4.0, "the unit is exposed:\n" + security.output);
        String text = Files.readString(Path.of(unit));
        java.util.regex.Matcher options = java.util.regex.Pattern.compile("Environment=\"SNAPSHARE_JAVA_OPTS=([^\"]+)\"")
                .matcher(text);
        assertTrue(options.find() && options.group(1).contains("-Xmx"), "the unit sets no heap limit:\n" + text);
        ExternalTools.run(30, "env", "SNAPSHARE_JAVA_OPTS=" + options.group(1), "snapshare", "--version")
                .assertSuccess("the launcher with the unit's JVM options");
    }

    @Test
    void installsRunsAndPurgesCleanly(@TempDir Path dir) throws Exception {
        try {
            ExternalTools.run(300, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
                    deb.toAbsolutePath().toString()).assertSuccess("apt-get install ./snapshare.deb");
            assertTrue(ExternalTools.run(30, "snapshare", "--version").assertSuccess("snapshare --version")
                    .output.startsWith("snapshare "));
            assertEquals("snapshare", ExternalTools.run(10, "stat", "-c", "%U", "/var/lib/snapshare").output.trim());
            assertEquals("640 root:snapshare", ExternalTools.run(10, "stat", "-c", "%a %U:%G",
                    "/etc/snapshare/snapshare.conf").output.trim(), "the config holds CHAP secrets");
            assertTrue(Files.isRegularFile(Path.of("/lib/systemd/system/snapshare.service")));
            assertTrue(Files.isRegularFile(Path.of("/usr/share/snapshare/grafana-dashboard.json")));
            checkServiceUnit();
            String conffiles = ExternalTools.run(10, "cat", "/var/lib/dpkg/info/snapshare.conffiles").output;
            assertTrue(conffiles.contains("/etc/snapshare/snapshare.conf"), conffiles);

            try (InstalledServer server = new InstalledServer(dir.resolve("data"))) {
                ExternalTools.Result ls = ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("ls");
                assertTrue(ls.output.contains("Target:" + ServerProcess.IQN + "vol0"), ls.output);
                ExternalTools.Result status = ExternalTools.run(30, "snapshare", "status", "--data-dir",
                        server.dataDir.toString()).assertSuccess("installed snapshare status");
                assertTrue(status.output.contains("volumes:     1"), status.output);
                // The packaged config serves the API; its jars are in the package.
                String token = ExternalTools.run(30, "snapshare", "token", "create", "pkg", "--role", "viewer",
                        "--data-dir", server.dataDir.toString()).assertSuccess("installed token create")
                        .output.lines().findFirst().orElseThrow();
                ExternalTools.Result api = ExternalTools.run(30, "curl", "-sS", "--cacert",
                        server.dataDir.resolve("api/tls-cert.pem").toString(), "-H", "Authorization: Bearer " + token,
                        "https://127.0.0.1:8443/api/v1/volumes").assertSuccess("curl the installed API");
                assertTrue(api.output.contains("\"name\":\"vol0\""), api.output);
                // The packaged JNA punches holes: a discard frees what a write allocated.
                Path origin = server.dataDir.resolve("volumes/vol0/origin.img");
                SnapshotIT.io(server.url("vol0"), "write -P 0x5a 0 4M", "flush");
                long written = ThinProvisioningIT.allocatedBytes(origin);
                SnapshotIT.io(server.url("vol0"), "discard 0 4M", "flush");
                assertTrue(ThinProvisioningIT.allocatedBytes(origin) <= written - (4 << 20),
                        "installed server punches holes on discard");
            }
        } finally {
            ExternalTools.run(300, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y", "-q",
                    "snapshare").assertSuccess("apt-get purge snapshare");
        }
        assertFalse(Files.exists(Path.of("/usr/bin/snapshare")));
        assertFalse(Files.exists(Path.of("/etc/snapshare")), "purge removes the config");
        assertTrue(Files.isDirectory(Path.of("/var/lib/snapshare")), "purge keeps user data");
    }

    /** The installed launcher serving with the installed config, redirected to a temp dir and port. */
    private static final class InstalledServer extends ServerProcess {
        InstalledServer(Path dataDir) throws Exception {
            super(dataDir, List.of("snapshare"));
            start("--config", "/etc/snapshare/snapshare.conf");
        }
    }
}
