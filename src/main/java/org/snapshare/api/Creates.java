package org.snapshare.api;

import io.javalin.http.Context;
import java.util.Optional;
import org.snapshare.appliance.ApiTokens;
import org.snapshare.appliance.Json;

/** Answers a create (201 with the new resource and its Location), once per Idempotency-Key. */
final class Creates {

    /** Makes the resource from the request body; what to answer. */
    @FunctionalInterface
    interface Creator {
        Created create(byte[] body) throws Exception;
    }

    /** A resource just made, and where it lives now. */
    record Created(Object resource, String location) {
    }

    private final Idempotency idempotency = new Idempotency();

    void create(Context ctx, Creator creator) throws Exception {
        ApiTokens.Token token = ctx.attribute(TokenGate.TOKEN_ATTRIBUTE);
        Optional<String> key = Idempotency.key(ctx, token.name());
        byte[] body = ctx.bodyAsBytes();
        Optional<Idempotency.Answer> earlier = key.isEmpty() ? Optional.empty()
                : idempotency.replay(key.get(), body, System.currentTimeMillis());
        if (earlier.isPresent()) {
            send(ctx, earlier.get());
            return;
        }
        Created created = creator.create(body);
        Idempotency.Answer answer = new Idempotency.Answer(201, "application/json", Json.line(created.resource()),
                created.location());
        key.ifPresent(k -> idempotency.remember(k, body, answer, System.currentTimeMillis()));
        send(ctx, answer);
    }

    private static void send(Context ctx, Idempotency.Answer answer) {
        ctx.status(answer.status()).contentType(answer.contentType()).header("Location", answer.location())
                .result(answer.body());
    }
}
