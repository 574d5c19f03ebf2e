package org.snapshare.appliance;

import java.util.Map;
import java.util.Optional;
import org.snapshare.cluster.SessionCounts;
import org.snapshare.cluster.ZooKeeperCluster;
import org.snapshare.iscsi.TargetRegistry;
import org.snapshare.iscsi.scsi.TargetPortGroups;
import org.snapshare.snapshot.SnapshotCore;
import org.snapshare.stream.ReceiveTarget;
import org.snapshare.store.ClusterLock;
import org.snapshare.store.SingleNodeLock;

/** The only node: every volume is its own, with nobody to follow or to tell. */
final class LoneNode implements Membership {

    @Override
    public ClusterLock lockFor(String volume) {
        return new SingleNodeLock();
    }

    @Override
    public TargetPortGroups portGroups(String volume, SnapshotCore core) {
        return null;
    }

    @Override
    public void tagPortals(TargetRegistry targets) {
        // one portal group, the default tag
    }

    @Override
    public boolean runsHere(SnapshotCore core) {
        return true;
    }

    @Override
    public boolean alone() {
        return true;
    }

    @Override
    public Optional<ReceiveTarget.ImportClaim> claimImport(String volume) {
        return Optional.of(() -> { }); // this node keeps its own imports apart
    }

    @Override
    public void created(String volume) {
        // no port groups to report
    }

    @Override
    public Map<String, SessionCounts.Sessions> sessionsElsewhere(String volume) {
        return Map.of(); // there is nowhere else
    }

    @Override
    public void follow(Appliance appliance) {
        // nobody to follow
    }

    @Override
    public void forget(String volume) {
        // nothing kept per volume
    }

    @Override
    public void stopFollowing() {
        // nothing follows
    }

    @Override
    public Optional<ZooKeeperCluster> cluster() {
        return Optional.empty();
    }

    @Override
    public String describe() {
        return "";
    }

    @Override
    public void close() {
        // no session to end
    }
}
