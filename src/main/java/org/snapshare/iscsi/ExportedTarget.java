package org.snapshare.iscsi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.snapshare.iscsi.scsi.BlockCommandProcessor;
import org.snapshare.snapshot.LogicalUnit;

/** One iSCSI target: its name, its LUN 0 and the sessions logged in to it. */
final class ExportedTarget {

    final String name;
    final LogicalUnit unit;
    final BlockCommandProcessor commands;
    /** Sessions by initiator name and ISID, so a re-login replaces its old session. */
    private final Map<String, Connection> sessions = new ConcurrentHashMap<>();

    ExportedTarget(String name, LogicalUnit unit, BlockCommandProcessor commands) {
        this.name = name;
        this.unit = unit;
        this.commands = commands;
    }

    /** Registers a session; an older session of the same initiator port is closed (reinstatement). */
    void attach(String initiatorPort, Connection connection) {
        Connection previous = sessions.put(initiatorPort, connection);
        if (previous != null && previous != connection) {
            previous.close();
            commands.nexusLost(initiatorPort); // a reinstated session is a new I_T nexus
        }
        commands.nexusStarted(initiatorPort);
    }

    void detach(String initiatorPort, Connection connection) {
        if (sessions.remove(initiatorPort, connection)) {
            commands.nexusLost(initiatorPort);
        }
    }

    int sessionCount() {
        return sessions.size();
    }

    List<SessionInfo> sessions() {
        List<SessionInfo> list = new ArrayList<>();
        for (Connection connection : sessions.values()) {
            SessionInfo info = connection.info();
            if (info != null) {
                list.add(info);
            }
        }
        return list;
    }

    void closeSessions() {
        sessions.values().forEach(Connection::close);
    }
}
