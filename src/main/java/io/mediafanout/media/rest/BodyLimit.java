package io.mediafanout.media.rest;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;

/**
 * A request announcing a body larger than {@code quarkus.http.limits.max-body-size} gets a JSON 413 at once,
 * before its body is read (the built-in limit answers without a body).
 */
@Singleton
public class BodyLimit {

    static final String TOO_LARGE = "{\"error\":\"payload_too_large\",\"message\":\"the request body is larger than %d bytes\"}";

    void install(@Observes Router router,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        long limit = maxBodySize.asLongValue();
        String body = String.format(TOO_LARGE, limit);
        router.route().order(-1_000).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            long declared;
            try {
                declared = length == null ? -1 : Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > limit) {
                ctx.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                        .putHeader("Connection", "close").end(body);
            } else {
                ctx.next();
            }
        });
    }
}
