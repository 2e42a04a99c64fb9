package io.mediafanout.media.rest;

import java.io.ByteArrayInputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.container.ContainerRequestContext;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.mediafanout.inngest.serve.InngestServeRoute;
import io.mediafanout.media.client.IttybitWebhooks;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Body limits per route, checked before anything else reads the request: a request announcing a larger body
 * ({@code Content-Length}) gets a JSON 413 at once, before its body is read. The media API and webhooks take small
 * JSON documents (64 KiB); every other route up to {@code quarkus.http.limits.max-body-size} (8 MiB), except the
 * Inngest SDK's serve route ({@code /api/inngest}), which holds its calls to its own limit
 * ({@code inngest.serve.max-body-size}, with the same JSON 413) and marks them
 * ({@link InngestServeRoute#OWN_BODY_LIMIT}) for this limit to let through. A body sent without a length (chunked, or
 * HTTP/2) is read here, by Vert.x's {@link BodyHandler} with its route's limit, and refused with the same JSON 413 as
 * soon as it passes the limit — on every method: a chunked {@code GET} or {@code DELETE} body is held to the same
 * limit as a {@code POST}'s.
 */
@Singleton
public class BodyLimit {

    /** The problem ({@link Problem}) of a body over its route's limit; its {@code instance} is added per request. */
    static String tooLarge(long bytes, String path) {
        ProblemType kind = ProblemType.PAYLOAD_TOO_LARGE;
        return new io.vertx.core.json.JsonObject().put("type", kind.type()).put("title", kind.title())
                .put("status", kind.status()).put("detail", "the request body is larger than " + bytes + " bytes")
                .put("instance", path).put("code", kind.code()).encode();
    }
    /** Limit of the media API and the Ittybit webhooks. */
    static final long SMALL = 64 * 1024;

    private static final String LIMIT = BodyLimit.class.getName();
    private static final Set<HttpMethod> BODY_METHODS = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

    private record Limit(String pathPrefix, long bytes) {
    }

    void install(@Observes Router router,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        long global = maxBodySize.asLongValue();
        List<Limit> limits = List.of(limit("/media", SMALL), limit(IttybitWebhooks.PATH, SMALL), limit("/", global));
        Map<Long, BodyHandler> readers = new HashMap<>();
        for (Limit limit : limits) {
            readers.computeIfAbsent(limit.bytes(), bytes -> BodyHandler.create(false).setBodyLimit(bytes)
                    .setHandleFileUploads(false).setMergeFormAttributes(false));
        }
        router.route().order(-1_000).handler(ctx -> {
            if (ctx.get(InngestServeRoute.OWN_BODY_LIMIT) != null) {
                ctx.next(); // the SDK's serve route: it reads and limits its own body
                return;
            }
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
                        refuse(ctx, limit);
                        return;
                    }
                    BodyHandler reader = readers.get(limit.bytes());
                    if (declared < 0 && (BODY_METHODS.contains(ctx.request().method())
                            || ctx.request().getHeader("Transfer-Encoding") != null)) {
                        ctx.put(LIMIT, limit);
                        reader.handle(ctx);
                        return;
                    }
                    break;
                }
            }
            ctx.next();
        }).failureHandler(ctx -> {
            Limit limit = ctx.get(LIMIT);
            if (limit != null && ctx.statusCode() == 413 && !ctx.response().headWritten()) {
                refuse(ctx, limit);
            } else {
                ctx.next();
            }
        });
    }

    /**
     * Hands a body read here (chunked, within its route's limit) to Quarkus REST, which would otherwise wait for a body
     * from a request that has already ended. An empty chunked body leaves Vert.x no buffer at all: it is handed on as
     * empty too.
     */
    @ServerRequestFilter(preMatching = true)
    public void useTheBodyReadHere(ContainerRequestContext request, RoutingContext ctx) {
        if (ctx.get(LIMIT) != null) {
            Buffer body = ctx.body().buffer();
            request.setEntityStream(new ByteArrayInputStream(body == null ? new byte[0] : body.getBytes()));
        }
    }

    /** A JSON 413; over HTTP/1.1 the connection is closed (the rest of the body is not read), HTTP/2 resets the stream. */
    private static void refuse(RoutingContext ctx, Limit limit) {
        ctx.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE);
        if (ctx.request().version() != HttpVersion.HTTP_2) {
            ctx.response().putHeader("Connection", "close");
        }
        ctx.response().end(tooLarge(limit.bytes(), ctx.request().path()));
    }

    private static Limit limit(String prefix, long bytes) {
        return new Limit(prefix, bytes);
    }
}
