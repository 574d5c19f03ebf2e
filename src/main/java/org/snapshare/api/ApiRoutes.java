package org.snapshare.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.snapshare.appliance.ApiRole;
import org.snapshare.appliance.Appliance;

/**
 * Every route the API serves, with the role it needs: the one table that
 * the server installs, the gate checks and ApiDocumentTest holds
 * openapi.json to.
 */
final class ApiRoutes {

    static final String BASE = "/api/v1";
    static final String DOCUMENT = "openapi.json";

    /** One operation: method, path (Javalin's {name} for a parameter), the role it needs (null: open). */
    record Route(HandlerType method, String path, ApiRole role, Handler handler) {
    }

    private final Appliance appliance;
    private final List<Route> routes;

    ApiRoutes(Appliance appliance) {
        this.appliance = appliance;
        VolumeRoutes volumes = new VolumeRoutes(appliance);
        SnapshotRoutes snapshots = new SnapshotRoutes(appliance);
        String volume = BASE + "/volumes/{volume}";
        String snapshot = volume + "/snapshots/{snapshot}";
        routes = List.of(
                new Route(HandlerType.GET, BASE + "/" + DOCUMENT, null, this::document),
                new Route(HandlerType.GET, BASE + "/status", ApiRole.VIEWER,
                        ctx -> ctx.json(appliance.reports().statusSummary())),
                new Route(HandlerType.GET, BASE + "/io", ApiRole.VIEWER, ctx -> ctx.json(new IoSample(
                        Instant.now(), appliance.lunIo()))),
                new Route(HandlerType.GET, BASE + "/volumes", ApiRole.VIEWER, volumes::list),
                new Route(HandlerType.POST, BASE + "/volumes", ApiRole.ADMIN, volumes::create),
                new Route(HandlerType.GET, volume, ApiRole.VIEWER, volumes::get),
                new Route(HandlerType.PATCH, volume, ApiRole.ADMIN, volumes::resize),
                new Route(HandlerType.DELETE, volume, ApiRole.ADMIN, volumes::delete),
                new Route(HandlerType.PUT, volume + "/import", ApiRole.ADMIN, snapshots::importStream),
                new Route(HandlerType.POST, volume + "/scrub", ApiRole.ADMIN, volumes::scrub),
                new Route(HandlerType.GET, volume + "/snapshots", ApiRole.VIEWER, snapshots::list),
                new Route(HandlerType.POST, volume + "/snapshots", ApiRole.OPERATOR, snapshots::create),
                new Route(HandlerType.GET, snapshot, ApiRole.VIEWER, snapshots::get),
                new Route(HandlerType.DELETE, snapshot, ApiRole.OPERATOR, snapshots::delete),
                new Route(HandlerType.POST, snapshot + "/rollback", ApiRole.OPERATOR, snapshots::rollback),
                new Route(HandlerType.POST, snapshot + "/reset", ApiRole.OPERATOR, snapshots::reset),
                new Route(HandlerType.GET, snapshot + "/diff", ApiRole.VIEWER, snapshots::diff),
                new Route(HandlerType.GET, snapshot + "/export", ApiRole.OPERATOR, snapshots::export),
                new Route(HandlerType.PUT, snapshot + "/hold", ApiRole.OPERATOR, snapshots::hold),
                new Route(HandlerType.DELETE, snapshot + "/hold", ApiRole.OPERATOR, snapshots::release),
                new Route(HandlerType.GET, BASE + "/schedules", ApiRole.VIEWER, ctx -> ctx.json(
                        appliance.automation().scheduleSummaries())),
                new Route(HandlerType.PUT, volume + "/schedule", ApiRole.ADMIN, volumes::setSchedule),
                new Route(HandlerType.DELETE, volume + "/schedule", ApiRole.ADMIN, volumes::clearSchedule),
                new Route(HandlerType.GET, volume + "/import", ApiRole.VIEWER, snapshots::interruptedImport),
                new Route(HandlerType.GET, BASE + "/replications", ApiRole.VIEWER, ctx -> ctx.json(
                        appliance.automation().replicationSummaries())),
                new Route(HandlerType.PUT, volume + "/replication", ApiRole.ADMIN, volumes::setReplication),
                new Route(HandlerType.DELETE, volume + "/replication", ApiRole.ADMIN, volumes::clearReplication),
                new Route(HandlerType.GET, BASE + "/sessions", ApiRole.VIEWER, ctx -> ctx.json(Pages.page(ctx,
                        appliance.reports().sessionList(), s -> s.target() + " " + s.initiatorPort()))),
                new Route(HandlerType.GET, BASE + "/cluster", ApiRole.VIEWER, ctx -> ctx.json(
                        appliance.reports().clusterSummary())),
                new Route(HandlerType.GET, BASE + "/access", ApiRole.ADMIN,
                        ctx -> ctx.json(appliance.reports().accessSummary())),
                new Route(HandlerType.GET, BASE + "/jobs", ApiRole.VIEWER, this::jobs),
                new Route(HandlerType.GET, BASE + "/jobs/{job}", ApiRole.VIEWER, this::job));
    }

    /** Every LUN's I/O counters at one moment: the console's rates are the differences of two samples. */
    record IoSample(Instant time, List<org.snapshare.appliance.LunIo> luns) {
    }

    List<Route> routes() {
        return routes;
    }

    void install(JavalinConfig config) {
        TokenGate gate = new TokenGate(appliance.apiAccess().tokens());
        Console.install(config);
        config.routes.beforeMatched(gate::check);
        for (Route route : routes) {
            if (route.role() == null) {
                config.routes.addHttpHandler(route.method(), route.path(), route.handler());
            } else {
                config.routes.addHttpHandler(route.method(), route.path(), route.handler(),
                        new TokenGate.Needs(route.role()));
            }
        }
        config.routes.after(new AuditLog()::record);
        Problems.install(config);
    }

    private void document(Context ctx) throws IOException {
        try (InputStream in = ApiRoutes.class.getResourceAsStream(DOCUMENT)) {
            if (in == null) {
                throw new IOException(DOCUMENT + " is missing from the jar");
            }
            ctx.contentType("application/json").result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void jobs(Context ctx) {
        ctx.json(Pages.page(ctx, appliance.jobs().list(), job -> job.id()));
    }

    private void job(Context ctx) {
        String id = ctx.pathParam("job");
        ctx.json(appliance.jobs().get(id).orElseThrow(() -> new ApiProblem(404, Problems.title(404), "no job " + id
                + " (jobs live in memory: a restart forgets them; GET /api/v1/jobs lists them)")));
    }
}
