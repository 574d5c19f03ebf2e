package org.snapshare.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;

/**
 * The web console (docs/API.md, Console): static pages from the jar at
 * {@code /}, its plot library from the uPlot WebJar at {@code /webjars/},
 * nothing from elsewhere. The pages call the API with the token the user
 * signs in with; every answer forbids framing, sniffing and foreign scripts.
 */
final class Console {

    static final String DIRECTORY = "/org/snapshare/api/console";

    private Console() {
    }

    static void install(JavalinConfig config) {
        config.staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = DIRECTORY;
            files.location = Location.CLASSPATH;
        });
        config.staticFiles.enableWebjars();
        config.routes.before(ctx -> {
            ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self';"
                    + " frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Referrer-Policy", "no-referrer");
            ctx.header("Cache-Control", "no-store");
        });
    }
}
