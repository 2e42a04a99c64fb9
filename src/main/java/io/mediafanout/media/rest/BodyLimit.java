package io.mediafanout.media.rest;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.mediafanout.media.client.IttybitWebhooks;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;

/**
 * Body limits per route, checked before anything else reads the request: a request announcing a larger body
 * ({@code Content-Length}) gets a JSON 413 at once, before its body is read. The media API and webhooks take small
 * JSON documents (64 KiB); {@code /api/inngest} takes up to {@code quarkus.http.limits.max-body-size} (8 MiB:
 * Inngest sends larger runs with {@code use_api}), which also bounds bodies sent without a length (chunked).
 */
@Singleton
public class BodyLimit {

    static final String TOO_LARGE = "{\"error\":\"payload_too_large\",\"message\":\"the request body is larger than %d bytes\"}";
    /** Limit of the media API and the Ittybit webhooks. */
    static final long SMALL = 64 * 1024;

    private record Limit(String pathPrefix, long bytes, String answer) {
    }

    void install(@Observes Router router,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        long global = maxBodySize.asLongValue();
        List<Limit> limits = List.of(limit("/media", SMALL), limit(IttybitWebhooks.PATH, SMALL), limit("/", global));
        router.route().order(-1_000).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            long declared;
            try {
                declared = length == null ? -1 : Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            String path = ctx.normalizedPath();
            for (Limit limit : limits) {
                if (path.startsWith(limit.pathPrefix())) {
                    if (declared > limit.bytes()) {
                        ctx.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                                .putHeader("Connection", "close").end(limit.answer());
                        return;
                    }
                    break;
                }
            }
            ctx.next();
        });
    }

    private static Limit limit(String prefix, long bytes) {
        return new Limit(prefix, bytes, String.format(TOO_LARGE, bytes));
    }
}
