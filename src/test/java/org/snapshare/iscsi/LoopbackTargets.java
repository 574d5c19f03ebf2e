package org.snapshare.iscsi;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.snapshare.snapshot.LogicalUnit;

/**
 * An iSCSI server on 127.0.0.1 (a free port) for each test of a protocol test class, serving the targets the
 * test class exports; register it with {@code @RegisterExtension}.
 */
final class LoopbackTargets implements BeforeEachCallback, AfterEachCallback {

    final TargetRegistry registry = new TargetRegistry();
    private IscsiServer server;

    /** Serves {@code unit} as target {@code iqn} (before or while the server runs); returns this. */
    LoopbackTargets export(String iqn, LogicalUnit unit) {
        registry.export(iqn, unit);
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        server = new IscsiServer(new InetSocketAddress("127.0.0.1", 0), registry);
        server.start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        server.close();
    }

    IscsiServer server() {
        return server;
    }

    InetSocketAddress address() {
        return server.boundAddress();
    }
}
