package org.snapshare.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.appliance.ApiTokens;

/**
 * One line per change asked of the API (every method but GET and HEAD),
 * under the logger "snapshare.audit": who (token and address), what
 * (method and path) and how it ended (the status).
 */
final class AuditLog {

    private static final Logger AUDIT = LoggerFactory.getLogger("snapshare.audit");

    void record(Context ctx) {
        if (ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD) {
            return;
        }
        ApiTokens.Token token = ctx.attribute(TokenGate.TOKEN_ATTRIBUTE);
        AUDIT.info("token={} role={} from={} {} {} -> {}", token == null ? "-" : token.name(),
                token == null ? "-" : token.role().word(), ctx.ip(), ctx.method(), ctx.path(), ctx.statusCode());
    }
}
