package org.snapshare.api;

import io.javalin.http.Context;
import java.io.OutputStream;
import java.util.Optional;
import org.snapshare.appliance.Appliance;
import org.snapshare.appliance.SnapshotSummary;

/** /api/v1/volumes/{volume}/snapshots and streams: the same appliance operations `snapshare snapshot` calls. */
final class SnapshotRoutes {

    private final Appliance appliance;
    private final Creates creates = new Creates();

    SnapshotRoutes(Appliance appliance) {
        this.appliance = appliance;
    }

    void list(Context ctx) throws Exception {
        ctx.json(Pages.page(ctx, appliance.reports().snapshotSummaries(ctx.pathParam("volume")),
                SnapshotSummary::name));
    }

    void get(Context ctx) throws Exception {
        ctx.json(appliance.reports().snapshotSummary(ctx.pathParam("volume"), ctx.pathParam("snapshot")));
    }

    void create(Context ctx) throws Exception {
        String volume = ctx.pathParam("volume");
        creates.create(ctx, body -> {
            Bodies.CreateSnapshot create = Bodies.read(body, Bodies.CreateSnapshot.class);
            String name = Bodies.required(create.name(), "name");
            appliance.createSnapshot(volume, name, Optional.ofNullable(create.from()));
            return new Creates.Created(appliance.reports().snapshotSummary(volume, name),
                    ApiRoutes.BASE + "/volumes/" + volume + "/snapshots/" + name);
        });
    }

    /** The snapshot's target goes at once: 202, and the job that reclaims its space in the background. */
    void delete(Context ctx) throws Exception {
        accepted(ctx, appliance.volumeJobs().deleteSnapshot(ctx.pathParam("volume"), ctx.pathParam("snapshot"),
                "true".equals(ctx.queryParam("force"))));
    }

    /** 202 Accepted with the job, and where to follow it. */
    static void accepted(Context ctx, org.snapshare.appliance.Jobs.Job job) {
        ctx.status(202).header("Location", ApiRoutes.BASE + "/jobs/" + job.id()).json(job);
    }

    void hold(Context ctx) throws Exception {
        appliance.automation().holdSnapshot(ctx.pathParam("volume"), ctx.pathParam("snapshot"));
        get(ctx);
    }

    void release(Context ctx) throws Exception {
        appliance.automation().releaseSnapshot(ctx.pathParam("volume"), ctx.pathParam("snapshot"));
        get(ctx);
    }

    /** 202 and the job: GET /api/v1/jobs/{id} follows it to its end. */
    void rollback(Context ctx) throws Exception {
        accepted(ctx, appliance.volumeJobs().rollback(ctx.pathParam("volume"), ctx.pathParam("snapshot")));
    }

    /** The snapshot starts again as what its parent holds now (docs/SNAPSHOTS.md): 200 and the new one. */
    void reset(Context ctx) throws Exception {
        String volume = ctx.pathParam("volume");
        String name = ctx.pathParam("snapshot");
        appliance.resetSnapshot(volume, name, "true".equals(ctx.queryParam("force")));
        ctx.json(appliance.reports().snapshotSummary(volume, name));
    }

    /** Where {@code ?to=} (a snapshot, or origin: the default) differs from this snapshot. */
    void diff(Context ctx) throws Exception {
        String to = Optional.ofNullable(ctx.queryParam("to")).orElse("origin");
        ctx.json(appliance.streams().diffRuns(ctx.pathParam("volume"), ctx.pathParam("snapshot"), to));
    }

    /** The snapshot as a stream (docs/STREAM.md), or what changed since {@code ?since=BASE}. */
    void export(Context ctx) throws Exception {
        long resumeFrom = nonNegative(ctx.queryParam("resume_from"), "resume_from");
        ctx.contentType("application/octet-stream");
        OutputStream out = ctx.outputStream();
        appliance.streams().exportSnapshot(ctx.pathParam("volume"), ctx.pathParam("snapshot"),
                Optional.ofNullable(ctx.queryParam("since")), resumeFrom, out);
        out.flush();
    }

    /** Receives a stream in the body, as `snapshot import` does; ?force=true, ?resume=true as its options. */
    void importStream(Context ctx) throws Exception {
        String report = appliance.streams().importSnapshot(ctx.pathParam("volume"), ctx.bodyInputStream(),
                "true".equals(ctx.queryParam("force")), "true".equals(ctx.queryParam("resume")));
        ctx.json(new Imported(report.strip()));
    }

    /** An import of the volume that stopped and can be resumed (404: none): replication asks before it sends. */
    void interruptedImport(Context ctx) throws Exception {
        String volume = ctx.pathParam("volume");
        ctx.json(appliance.streams().interruptedImport(volume).orElseThrow(() -> new ApiProblem(404, Problems.title(404),
                "volume " + volume + " has no interrupted import")));
    }

    /** What an import did, as the CLI prints it. */
    record Imported(String report) {
    }

    private static long nonNegative(String text, String name) {
        if (text == null) {
            return 0;
        }
        if (!text.matches("[0-9]{1,18}")) {
            throw new ApiProblem(400, Problems.title(400), name + " must be a byte offset (0 or more), not '"
                    + text + "'");
        }
        return Long.parseLong(text);
    }
}
