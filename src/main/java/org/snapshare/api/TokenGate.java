package org.snapshare.api;

import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import java.util.Optional;
import org.snapshare.appliance.ApiRole;
import org.snapshare.appliance.ApiTokens;

/**
 * Lets a request reach its route only with a bearer token whose role
 * includes the route's ({@link Needs}); routes without one (the OpenAPI
 * document, the console's page) are open. No token or a wrong one: 401; a
 * role too small: 403.
 */
final class TokenGate {

    /** The role a route needs, as Javalin carries it with the route. */
    record Needs(ApiRole role) implements RouteRole {
    }

    /** The request's token, for the audit log. */
    static final String TOKEN_ATTRIBUTE = "snapshare.token";

    private final ApiTokens tokens;
    private final FailedSignIns failures = new FailedSignIns();

    TokenGate(ApiTokens tokens) {
        this.tokens = tokens;
    }

    void check(Context ctx) {
        Optional<ApiRole> needed = ctx.routeRoles().stream().filter(Needs.class::isInstance)
                .map(role -> ((Needs) role).role()).findFirst();
        if (needed.isEmpty()) {
            return;
        }
        String address = ctx.ip();
        long wait = failures.waitSeconds(address, System.currentTimeMillis());
        if (wait > 0) {
            throw new ApiProblem(429, Problems.title(429), "too many failed sign-ins from " + address
                    + "; wait " + wait + " s", wait);
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiProblem(401, Problems.title(401), "this needs a token: send Authorization: Bearer TOKEN"
                    + " (make one with `snapshare token create NAME --role viewer|operator|admin`)");
        }
        Optional<ApiTokens.Token> token = tokens.authenticate(header.substring("Bearer ".length()).strip());
        if (token.isEmpty()) {
            failures.failed(address, System.currentTimeMillis());
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            throw new ApiProblem(401, Problems.title(401), "the token is not valid (revoked, mistyped, or made on"
                    + " another server); `snapshare token list` shows the valid ones");
        }
        ctx.attribute(TOKEN_ATTRIBUTE, token.get());
        if (!token.get().role().includes(needed.get())) {
            throw new ApiProblem(403, Problems.title(403), "token " + token.get().name() + " has role "
                    + token.get().role().word() + "; this needs " + needed.get().word() + " or more");
        }
    }
}
