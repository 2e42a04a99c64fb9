package io.mediafanout.inngest;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.logging.Log;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The endpoint Inngest calls ({@code /api/inngest}, every method), as a Vert.x route: the protocol needs the raw body
 * bytes in and the exact signed bytes out, nothing a JAX-RS resource adds (content negotiation, entity providers,
 * the response builder), and the route takes a quarter less CPU per call than the Quarkus REST resource it replaces
 * (bench/run.sh, serve part). The body arrives whole: {@code media.rest.BodyLimit} (order -1000) has refused a body
 * over the limit, and read a body sent without a length, before this route runs.
 */
@Singleton
public class InngestServeRoute {

    /** The serve path, where the official SDKs' frameworks mount it. */
    public static final String PATH = "/api/inngest";

    private static final String FAILED = "{\"type\":\"internal\",\"name\":\"Error\",\"message\":\"internal error in the "
            + "Inngest SDK\",\"__serialized\":true}";

    private final InngestServeHandler handler;

    public InngestServeRoute(InngestServeHandler handler) {
        this.handler = handler;
    }

    void install(@Observes Router router) {
        router.route(PATH).order(-100).handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        if (ctx.body().available()) {
            Buffer body = ctx.body().buffer();
            handle(ctx, body == null ? null : body.getBytes());
        } else if (ctx.request().isEnded()) {
            handle(ctx, null);
        } else {
            ctx.request().resume();
            ctx.request().body().onSuccess(body -> handle(ctx, body.getBytes())).onFailure(ctx::fail);
        }
    }

    private void handle(RoutingContext ctx, byte[] body) {
        Map<String, String> query = new HashMap<>();
        ctx.queryParams().forEach(param -> query.putIfAbsent(param.getKey(), param.getValue()));
        ServeRequest request = new ServeRequest(ctx.request().method().name(),
                () -> URI.create(ctx.request().absoluteURI()), query, ctx.request()::getHeader, body);
        handler.handle(request).subscribe().with(response -> send(ctx, response), failure -> {
            // the handler answers its own failures; this is the last resort, without the failure's details
            Log.errorf("Inngest serve endpoint failed: %s", failure.toString());
            send(ctx, new ServeResponse(500, Map.of("Content-Type", "application/json"),
                    FAILED.getBytes(StandardCharsets.UTF_8)));
        });
    }

    private static void send(RoutingContext ctx, ServeResponse response) {
        HttpServerResponse http = ctx.response();
        if (http.ended()) {
            return; // the client went away
        }
        http.setStatusCode(response.status());
        response.headers().forEach(http::putHeader);
        http.end(Buffer.buffer(response.body()));
    }
}
