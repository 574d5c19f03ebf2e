package org.snapshare.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.appliance.ConfigException;
import org.snapshare.appliance.Json;
import org.snapshare.snapshot.SnapshotException;
import org.snapshare.store.StoreFullException;

/**
 * Every refusal and failure as problem+json (RFC 9457): the status, a
 * title for the kind, and the detail the CLI would print (what was wrong
 * and what to do).
 */
final class Problems {

    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
    static final String CONTENT_TYPE = "application/problem+json";

    /** The body of a problem answer. {@code type} is about:blank: the status and title say it all. */
    record Problem(String type, String title, int status, String detail, String instance) {
    }

    /** The most of a refused body read to answer 413 cleanly. */
    static final long DRAINED_BYTES = 1 << 20;

    private Problems() {
    }

    static void install(JavalinConfig config) {
        config.routes.exception(ApiProblem.class, (e, ctx) -> {
            if (e.retryAfterSeconds > 0) {
                ctx.header("Retry-After", Long.toString(e.retryAfterSeconds));
            }
            answer(ctx, e.status, e.title, e.getMessage());
        });
        config.routes.exception(ConfigException.class, (e, ctx) -> answer(ctx, status(e.reason()),
                title(status(e.reason())), e.getMessage()));
        config.routes.exception(SnapshotException.class, (e, ctx) -> answer(ctx, status(e.reason()),
                title(status(e.reason())), e.getMessage()));
        config.routes.exception(StoreFullException.class, (e, ctx) -> answer(ctx, 507, title(507),
                e.getMessage()));
        config.routes.exception(HttpResponseException.class, (e, ctx) -> {
            if (e.getStatus() == 413) {
                dropRefusedBody(ctx);
            }
            answer(ctx, e.getStatus(), title(e.getStatus()), e.getStatus() == 404 ? "no such resource: "
                    + ctx.method() + " " + ctx.path() + " (GET /api/v1/openapi.json lists them)" : e.getMessage());
        });
        config.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("API request {} {} failed", ctx.method(), ctx.path(), e);
            answer(ctx, 500, title(500), "the server failed: " + e + " (details in the server log)");
        });
        config.routes.exception(IOException.class, (e, ctx) -> {
            LOG.error("API request {} {} failed", ctx.method(), ctx.path(), e);
            answer(ctx, 500, title(500), e.getMessage() + " (details in the server log)");
        });
    }

    /**
     * Reads and drops a body refused as too large (the caller passed the
     * token gate), up to {@link #DRAINED_BYTES}: a client still sending it
     * would otherwise meet a closed connection (a reset) instead of the 413.
     * A larger one is not read: the connection closes after the answer.
     */
    private static void dropRefusedBody(Context ctx) {
        long length = ctx.req().getContentLengthLong();
        if (length < 0 || length > DRAINED_BYTES) {
            ctx.header("Connection", "close");
            return;
        }
        try (InputStream body = ctx.req().getInputStream()) {
            body.transferTo(OutputStream.nullOutputStream());
        } catch (IOException gone) {
            // the client stopped sending; the answer may still reach it
        }
    }

    static void answer(Context ctx, int status, String title, String detail) {
        ctx.status(status).contentType(CONTENT_TYPE)
                .result(Json.line(new Problem("about:blank", title, status, detail, ctx.path())));
    }

    private static int status(ConfigException.Reason reason) {
        switch (reason) {
            case NOT_FOUND:
                return 404;
            case CONFLICT:
                return 409;
            default:
                return 400;
        }
    }

    private static int status(SnapshotException.Reason reason) {
        switch (reason) {
            case NOT_FOUND:
                return 404;
            default:
                return 409;
        }
    }

    /** The status's reason phrase (Conflict, Not Found, ...). */
    static String title(int status) {
        return HttpStatus.forStatus(status).getMessage();
    }
}
