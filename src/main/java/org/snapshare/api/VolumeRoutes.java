package org.snapshare.api;

import io.javalin.http.Context;
import java.util.Optional;
import org.snapshare.appliance.Appliance;
import org.snapshare.appliance.VolumeSpec;
import org.snapshare.appliance.VolumeSummary;

/** /api/v1/volumes: the same appliance operations `snapshare volume` calls. */
final class VolumeRoutes {

    private final Appliance appliance;
    private final Creates creates = new Creates();

    VolumeRoutes(Appliance appliance) {
        this.appliance = appliance;
    }

    void list(Context ctx) {
        ctx.json(Pages.page(ctx, appliance.reports().volumeSummaries(), VolumeSummary::name));
    }

    void get(Context ctx) throws Exception {
        ctx.json(appliance.reports().volumeSummary(ctx.pathParam("volume")));
    }

    /** New volumes live in the data directory; raw devices are named only from the shell (`volume create`). */
    void create(Context ctx) throws Exception {
        creates.create(ctx, body -> {
            Bodies.CreateVolume request = Bodies.read(body, Bodies.CreateVolume.class);
            String name = Bodies.required(request.name(), "name");
            if (request.from() != null) {
                return cloned(name, request);
            }
            long size = Bodies.required(request.size(), "size");
            appliance.createVolume(new VolumeSpec(name, positive(size, "size"),
                    request.storeSize() == null ? 0 : positive(request.storeSize(), "store_size"),
                    request.storeMaxSize() == null ? 0 : positive(request.storeMaxSize(), "store_max_size"),
                    null, null));
            return new Creates.Created(appliance.reports().volumeSummary(name), ApiRoutes.BASE + "/volumes/" + name);
        });
    }

    /** A clone takes its size (and its store's) from its source. */
    private Creates.Created cloned(String name, Bodies.CreateVolume request) throws Exception {
        if (request.size() != null || request.storeSize() != null || request.storeMaxSize() != null) {
            throw new ApiProblem(400, Problems.title(400), "a clone (\"from\") takes its size from its source:"
                    + " leave out \"size\", \"store_size\" and \"store_max_size\"");
        }
        appliance.cloneVolume(name, request.from());
        return new Creates.Created(appliance.reports().volumeSummary(name), ApiRoutes.BASE + "/volumes/" + name);
    }

    void resize(Context ctx) throws Exception {
        String name = ctx.pathParam("volume");
        Bodies.ResizeVolume request = Bodies.read(ctx.bodyAsBytes(), Bodies.ResizeVolume.class);
        appliance.resizeVolume(name, positive(Bodies.required(request.size(), "size"), "size"));
        ctx.json(appliance.reports().volumeSummary(name));
    }

    void delete(Context ctx) throws Exception {
        appliance.deleteVolume(ctx.pathParam("volume"), "true".equals(ctx.queryParam("force")));
        ctx.status(204);
    }

    /** 202 and the scrub's job; {@code {"rate": BYTES_PER_SECOND}} is optional (default 64 MiB/s, as the CLI). */
    void scrub(Context ctx) throws Exception {
        byte[] body = ctx.bodyAsBytes();
        Long rate = body.length == 0 ? null : Bodies.read(body, Bodies.Scrub.class).rate();
        long bytesPerSecond = rate == null ? org.snapshare.appliance.Sizes.parse(Appliance.DEFAULT_SCRUB_RATE)
                : positive(rate, "rate");
        SnapshotRoutes.accepted(ctx, appliance.volumeJobs().scrub(ctx.pathParam("volume"), bytesPerSecond));
    }

    void setSchedule(Context ctx) throws Exception {
        String name = ctx.pathParam("volume");
        Bodies.SetSchedule request = Bodies.read(ctx.bodyAsBytes(), Bodies.SetSchedule.class);
        appliance.automation().setSchedule(name, Bodies.required(request.policy(), "policy"));
        ctx.json(appliance.automation().scheduleSummaries().stream().filter(s -> s.volume().equals(name)).findFirst()
                .orElseThrow());
    }

    void clearSchedule(Context ctx) throws Exception {
        appliance.automation().clearSchedule(ctx.pathParam("volume"));
        ctx.status(204);
    }

    void setReplication(Context ctx) throws Exception {
        String name = ctx.pathParam("volume");
        Bodies.SetReplication request = Bodies.read(ctx.bodyAsBytes(), Bodies.SetReplication.class);
        appliance.automation().setReplicationWithToken(name, Bodies.required(request.to(), "to"),
                Bodies.required(request.token(), "token"), Optional.ofNullable(request.fingerprint()),
                Optional.ofNullable(request.keep()));
        ctx.json(appliance.automation().replicationSummaries().stream().filter(r -> r.volume().equals(name)).findFirst()
                .orElseThrow());
    }

    void clearReplication(Context ctx) throws Exception {
        appliance.automation().clearReplication(ctx.pathParam("volume"));
        ctx.status(204);
    }

    /** Sizes in a body are bytes, more than 0 (0 means "the default" inside; the API says so by leaving it out). */
    static long positive(long value, String field) {
        if (value <= 0) {
            throw new ApiProblem(400, Problems.title(400), "\"" + field + "\" must be a positive number of bytes,"
                    + " not " + value);
        }
        return value;
    }
}
