package org.snapshare.appliance;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snapshare.snapshot.LogicalUnit;
import org.snapshare.snapshot.SnapshotCore;

/**
 * The server's Prometheus metrics (docs/METRICS.md), with the official Java
 * client: per-LUN I/O counters and latency, sessions, store use,
 * copy-on-write and commits, background work, and the JVM's own, served at
 * http://LISTEN/metrics.
 */
final class Metrics implements Closeable {

    /** What the metrics read from the running server when scraped. */
    interface Source {
        int sessions();

        /** The volumes served now, by name. */
        Map<String, SnapshotCore> volumes();

        /** How each served volume's schedule last went (times null where it has not run since start). */
        Map<String, Schedules.Outcome> scheduleOutcomes();

        /** How each replicated volume's replication stands. */
        Map<String, Replicator.State> replicationStates();
    }

    /** The series of one operation of one LUN. */
    record Op(CounterDataPoint ok, CounterDataPoint failed, DistributionDataPoint seconds) {
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter readBytes;
    private final Counter writeBytes;
    private final Counter commands;
    private final Histogram latency;
    /** The endpoint, or null when only the API reads the counters. */
    private final HTTPServer server;
    /** Every LUN counted now, as (volume, snapshot) pairs. */
    private final Set<List<String>> luns = ConcurrentHashMap.newKeySet();

    private Metrics(Optional<InetSocketAddress> listen, Source source) throws IOException {
        readBytes = Counter.builder().name("snapshare_lun_read_bytes_total").help("Bytes read from the LUN")
                .labelNames("volume", "snapshot").register(registry);
        writeBytes = Counter.builder().name("snapshare_lun_write_bytes_total").help("Bytes written to the LUN")
                .labelNames("volume", "snapshot").register(registry);
        commands = Counter.builder().name("snapshare_lun_commands_total")
                .help("LUN operations by kind and outcome (ok, error)")
                .labelNames("volume", "snapshot", "op", "result").register(registry);
        latency = Histogram.builder().name("snapshare_lun_latency_seconds").unit(Unit.SECONDS)
                .help("Time the LUN took per operation").labelNames("volume", "snapshot", "op").classicOnly()
                .classicExponentialUpperBounds(0.0001, 4, 9).register(registry);
        GaugeWithCallback.builder().name("snapshare_sessions").help("iSCSI sessions logged in to targets")
                .callback(callback -> callback.call(source.sessions())).register(registry);
        GaugeWithCallback.builder().name("snapshare_store_used_bytes").help("Exception store bytes in use")
                .labelNames("volume").callback(callback -> source.volumes()
                        .forEach((volume, core) -> callback.call(core.storeSpace().usedBytes(), volume)))
                .register(registry);
        GaugeWithCallback.builder().name("snapshare_store_size_bytes").help("Exception store size in bytes")
                .labelNames("volume").callback(callback -> source.volumes()
                        .forEach((volume, core) -> callback.call(core.storeSpace().sizeBytes(), volume)))
                .register(registry);
        GaugeWithCallback.builder().name("snapshare_store_limit_bytes")
                .help("The most bytes the exception store may grow to (its size when it cannot grow)")
                .labelNames("volume").callback(callback -> source.volumes()
                        .forEach((volume, core) -> callback.call(core.storeSpace().limitBytes(), volume)))
                .register(registry);
        CounterWithCallback.builder().name("snapshare_cow_copies_total")
                .help("Origin chunks copied into the store for snapshots (copy-on-write), since start")
                .labelNames("volume").callback(callback -> source.volumes()
                        .forEach((volume, core) -> callback.call(core.copiedChunks(), volume))).register(registry);
        GaugeWithCallback.builder().name("snapshare_origin_write_back_bytes")
                .help("Bytes of origin writes held in memory until the commit of their snapshots' copies")
                .labelNames("volume").callback(callback -> source.volumes()
                        .forEach((volume, core) -> callback.call(core.deferredWriteBytes(), volume)))
                .register(registry);
        CounterWithCallback.builder().name("snapshare_cow_bytes_total")
                .help("Bytes copied into the store for snapshots, since start").labelNames("volume")
                .callback(callback -> source.volumes().forEach((volume, core) -> callback.call(
                        (double) core.copiedChunks() * core.chunkSize(), volume))).register(registry);
        CounterWithCallback.builder().name("snapshare_store_metadata_heals_total")
                .help("Damaged metadata copies rewritten from their good twin, since start").labelNames("volume")
                .callback(callback -> source.volumes().forEach((volume, core) -> callback.call(
                        core.metadataHeals(), volume))).register(registry);
        CounterWithCallback.builder().name("snapshare_store_cut_off_commits_total")
                .help("Mounts that found the newest commit cut off by a crash and stood at the one before")
                .labelNames("volume").callback(callback -> source.volumes().forEach((volume, core) -> callback.call(
                        core.cutOffCommits(), volume))).register(registry);
        CounterWithCallback.builder().name("snapshare_store_commits_total")
                .help("Exception store commits (each one flushes), since start").labelNames("volume")
                .callback(callback -> source.volumes().forEach((volume, core) -> callback.call(
                        core.commitStats().commits(), volume))).register(registry);
        CounterWithCallback.builder().name("snapshare_store_commit_seconds_total")
                .help("Time spent in exception store commits, since start").labelNames("volume")
                .callback(callback -> source.volumes().forEach((volume, core) -> callback.call(
                        core.commitStats().nanos() / 1e9, volume))).register(registry);
        GaugeWithCallback.builder().name("snapshare_background_delete_active")
                .help("1 while deleted snapshots' chunks are being reclaimed on this node").labelNames("volume")
                .callback(callback -> source.volumes().forEach((volume, core) -> callback.call(
                        core.reclaiming() ? 1 : 0, volume))).register(registry);
        GaugeWithCallback.builder().name("snapshare_rollback_progress_ratio")
                .help("How far a rollback running on this node is, 0 to 1").labelNames("volume")
                .callback(callback -> source.volumes().forEach((volume, core) -> core.rollbackProgress()
                        .ifPresent(progress -> callback.call(progress, volume)))).register(registry);
        timestamps("snapshare_schedule_last_success_timestamp_seconds",
                "When the volume's schedule last took a snapshot (Unix time); absent before the first",
                () -> mapValues(source.scheduleOutcomes(), Schedules.Outcome::lastSuccess));
        timestamps("snapshare_schedule_last_failure_timestamp_seconds",
                "When the volume's schedule last failed (Unix time); absent if it never did since start",
                () -> mapValues(source.scheduleOutcomes(), Schedules.Outcome::lastFailure));
        GaugeWithCallback.builder().name("snapshare_replication_lag_seconds")
                .help("How far the replica is behind: age of the newest scheduled snapshot it does not hold yet")
                .labelNames("volume").callback(callback -> source.replicationStates().forEach((volume, state) ->
                        callback.call(state.lagSeconds(), volume))).register(registry);
        GaugeWithCallback.builder().name("snapshare_replication_lag_bytes")
                .help("Bytes the replica is behind: what differs between its newest snapshot and ours")
                .labelNames("volume").callback(callback -> source.replicationStates().forEach((volume, state) ->
                        callback.call(state.lagBytes(), volume))).register(registry);
        timestamps("snapshare_replication_last_success_timestamp_seconds",
                "When the replica last held our newest scheduled snapshot (Unix time)",
                () -> mapValues(source.replicationStates(), Replicator.State::lastSuccess));
        JvmMetrics.builder().register(registry);
        server = listen.isEmpty() ? null : HTTPServer.builder().inetAddress(listen.get().getAddress())
                .port(listen.get().getPort()).registry(registry).buildAndStart();
    }

    /** A gauge of times by volume, in Unix seconds; a volume whose time is null has no sample. */
    private void timestamps(String name, String help,
            Supplier<Map<String, Instant>> times) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("volume")
                .callback(callback -> times.get().forEach((volume, time) -> {
                    if (time != null) {
                        callback.call(time.getEpochSecond(), volume);
                    }
                })).register(registry);
    }

    private static <T> Map<String, Instant> mapValues(Map<String, T> byVolume,
            Function<T, Instant> time) {
        Map<String, Instant> times = new TreeMap<>();
        byVolume.forEach((volume, value) -> times.put(volume, time.apply(value)));
        return times;
    }

    /**
     * Counts, and serves the metrics at {@code listen} if given (the API reads
     * the counters without it); fails naming the address if it cannot be bound.
     */
    static Metrics start(Optional<InetSocketAddress> listen, Source source) throws IOException {
        try {
            return new Metrics(listen, source);
        } catch (IOException e) {
            throw new IOException("metrics cannot listen on " + listen.orElseThrow() + " (" + e.getMessage()
                    + "); set metrics-listen (or --metrics) to a free HOST:PORT, or leave it empty for none", e);
        }
    }

    /** The port the endpoint listens on (for a requested port 0), if it serves one. */
    Optional<Integer> port() {
        return Optional.ofNullable(server).map(HTTPServer::getPort);
    }

    /** Every LUN's I/O since start, from the same counters Prometheus reads. */
    List<LunIo> io() {
        List<LunIo> io = new ArrayList<>();
        for (List<String> lun : luns) {
            String volume = lun.get(0);
            String snapshot = lun.get(1);
            io.add(new LunIo(volume, snapshot, (long) readBytes.labelValues(volume, snapshot).get(),
                    (long) writeBytes.labelValues(volume, snapshot).get(),
                    (long) commands.labelValues(volume, snapshot, "read", "ok").get(),
                    (long) commands.labelValues(volume, snapshot, "write", "ok").get()));
        }
        io.sort(Comparator.comparing(LunIo::volume).thenComparing(LunIo::snapshot));
        return io;
    }

    /** {@code unit} with its I/O counted under its volume and snapshot ("" for the origin). */
    LogicalUnit metered(LogicalUnit unit, String volume, String snapshot) {
        String snap = snapshot == null ? "" : snapshot;
        luns.add(List.of(volume, snap));
        return new MeteredUnit(unit, readBytes.labelValues(volume, snap), writeBytes.labelValues(volume, snap),
                op -> new Op(commands.labelValues(volume, snap, op, "ok"),
                        commands.labelValues(volume, snap, op, "error"), latency.labelValues(volume, snap, op)));
    }

    /** Forgets a withdrawn LUN's series. */
    void forget(String volume, String snapshot) {
        String snap = snapshot == null ? "" : snapshot;
        luns.remove(List.of(volume, snap));
        readBytes.remove(volume, snap);
        writeBytes.remove(volume, snap);
        for (String op : MeteredUnit.OPS) {
            commands.remove(volume, snap, op, "ok");
            commands.remove(volume, snap, op, "error");
            latency.remove(volume, snap, op);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
