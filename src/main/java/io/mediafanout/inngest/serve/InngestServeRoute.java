package io.mediafanout.inngest.serve;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.logging.Log;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The endpoint Inngest calls ({@code /api/inngest}, every method), as two Vert.x routes: the protocol needs the raw
 * body bytes in and the exact signed bytes out, nothing a JAX-RS resource adds, and the route takes a quarter less CPU
 * per call than a Quarkus REST resource (bench/run.sh, serve part).
 * <ol>
 * <li>Order -2000, before any body is read: a call announcing a body over {@code inngest.serve.max-body-size}
 * ({@link ServeLimits#maxBodySize()}) is refused with a JSON {@code 413}; a {@code POST} whose signature header is
 * missing, malformed or stale is refused at once ({@link InngestServeHandler#refuseBeforeBody}); every call with a
 * body is then admitted by {@link Admission} (calls and body bytes per process, {@link ServeLimits}) — a call past the
 * limits waits, its connection paused and its body unread, and is answered {@code 503} with {@code Retry-After} only
 * when the queue is full or its wait passes {@code inngest.admission.max-wait}.</li>
 * <li>Order -100: the body is read, one sent without a length (chunked) refused with the same {@code 413} as soon as
 * it passes the limit; then the call itself, through {@link InngestServeHandler}.</li>
 * </ol>
 * The route holds every body to its own limit and marks its calls ({@link #OWN_BODY_LIMIT}), so that a body limit the
 * application applies to all its routes leaves them alone.
 */
@Singleton
public class InngestServeRoute {

    /** The serve path, where the official SDKs' frameworks mount it. */
    public static final String PATH = "/api/inngest";

    /**
     * Key of the {@link RoutingContext} value (the body limit in bytes) this route sets on each of its calls before any
     * later route sees it: the route reads the call's body and holds it to {@code inngest.serve.max-body-size}, so a
     * body limit the application applies to its other routes must not read or refuse it.
     */
    public static final String OWN_BODY_LIMIT = "inngest.serve.max-body-size";

    /** The answer to a body over the limit (a {@code 413}), with the limit in bytes. */
    static final String TOO_LARGE = "{\"error\":\"payload_too_large\",\"message\":\"the request body is larger than %d bytes\"}";

    /** Seconds Inngest is asked to wait before it tries a call refused for overload again. */
    static final int RETRY_AFTER_SECONDS = 5;

    private final InngestServeHandler handler;
    private final ServeAnswers answers;
    private final ServeLimits limits;
    private final long maxBodySize;

    public InngestServeRoute(InngestServeHandler handler, ServeAnswers answers, ServeLimits limits) {
        this.handler = handler;
        this.answers = answers;
        this.limits = limits;
        this.maxBodySize = limits.maxBodySize();
    }

    void install(@Observes Router router) {
        router.route(PATH).order(-2_000).handler(this::admit);
        router.route(PATH).order(-100).handler(this::serve);
    }

    // ---- admission ------------------------------------------------------------------------------------------------

    private void admit(RoutingContext ctx) {
        ctx.put(OWN_BODY_LIMIT, maxBodySize);
        HttpServerRequest request = ctx.request();
        long size = bodySize(request);
        if (size > maxBodySize) {
            tooLarge(ctx);
            return;
        }
        Optional<ServeResponse> refusal = handler.refuseBeforeBody(request.method().name(), request::getHeader);
        if (refusal.isPresent()) {
            send(ctx, refusal.get(), Closing.AFTER_DRAIN);
            return;
        }
        if (size < 0) {
            ctx.next(); // no body and no work to bound: introspection
            return;
        }
        Context context = Vertx.currentContext();
        Admitting admitting = new Admitting(ctx, context);
        ctx.addEndHandler(ignored -> admitting.ended());
        Admission.Entry entry = limits.admission().admit(size, admitting);
        if (entry == null) {
            overloaded(ctx, "too many calls are waiting in this process");
            return;
        }
        admitting.waiting(entry);
    }

    /**
     * The body bytes a call will hold: its {@code Content-Length}, the body limit when it is sent without a length
     * (chunked), or -1 for a {@code GET}/{@code HEAD} without a body.
     */
    private long bodySize(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length != null) {
            try {
                long declared = Long.parseLong(length.trim());
                return declared == 0 && isBodiless(request.method()) ? -1 : declared;
            } catch (NumberFormatException e) {
                return maxBodySize;
            }
        }
        if (request.getHeader("Transfer-Encoding") != null) {
            return maxBodySize;
        }
        return isBodiless(request.method()) ? -1 : 0;
    }

    private static boolean isBodiless(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD;
    }

    /** One call's admission: admitted (at once or from the queue), waiting, or ended while waiting. */
    private final class Admitting implements Admission.Waiter {
        private final RoutingContext ctx;
        private final Context context;
        private Admission.Permit permit;
        private Admission.Entry entry;
        private long timer = -1;
        private boolean ended;

        Admitting(RoutingContext ctx, Context context) {
            this.ctx = ctx;
            this.context = context;
        }

        @Override
        public void admitted(Admission.Permit granted) {
            if (context == null || Vertx.currentContext() == context) {
                proceed(granted);
            } else {
                context.runOnContext(ignored -> proceed(granted));
            }
        }

        private void proceed(Admission.Permit granted) {
            permit = granted;
            if (timer >= 0) {
                ctx.vertx().cancelTimer(timer);
            }
            if (ended || ctx.response().closed() || ctx.response().ended()) {
                granted.release(); // the client left while the call waited
                return;
            }
            if (!ctx.request().isEnded()) {
                long bodyTimer = ctx.vertx().setTimer(limits.bodyTimeout().toMillis(), id -> {
                    if (!ctx.request().isEnded() && !ctx.response().ended()) {
                        Log.warnf("A call to the serve endpoint sent its body too slowly: answered 408");
                        send(ctx, answers.refused(408, "the request body was not received within "
                                + limits.bodyTimeout().toSeconds() + " s"), Closing.NOW);
                    }
                });
                ctx.addEndHandler(ignored -> ctx.vertx().cancelTimer(bodyTimer));
            }
            ctx.next();
        }

        /** Called on the call's event loop right after {@link Admission#admit}. */
        void waiting(Admission.Entry queued) {
            if (permit != null) {
                return; // admitted at once
            }
            entry = queued;
            timer = ctx.vertx().setTimer(limits.maxWait().toMillis(), id -> {
                if (queued.cancel()) {
                    limits.admission().refusedAfterWaiting();
                    overloaded(ctx, "the call waited " + limits.maxWait().toSeconds() + " s for admission");
                }
            });
        }

        /** The response ended or the connection closed: frees what the call held. */
        void ended() {
            ended = true;
            if (permit != null) {
                permit.release();
            } else if (entry != null) {
                entry.cancel();
            }
        }
    }

    /**
     * A call this process cannot take now: {@code 503}, {@code Retry-After} and {@code X-Inngest-No-Retry: false}, so
     * Inngest calls again later (it counts an attempt: the declared concurrency keeps Inngest's own calls from getting
     * here).
     */
    private void overloaded(RoutingContext ctx, String reason) {
        Log.warnf("Serve endpoint overloaded, answering 503: %s (%d calls, %d KiB held, %d queued)", reason,
                limits.admission().calls(), limits.admission().bytes() / 1024, limits.admission().queued());
        ServeResponse refused = answers.refused(503, "overloaded: " + reason + "; try again later");
        Map<String, String> headers = new HashMap<>(refused.headers());
        headers.put("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        headers.put("X-Inngest-No-Retry", "false");
        send(ctx, new ServeResponse(503, headers, refused.body()), Closing.AFTER_DRAIN);
    }

    // ---- the call -------------------------------------------------------------------------------------------------

    private void serve(RoutingContext ctx) {
        if (ctx.body().available()) {
            // read by a body handler the application put before every route: held to this route's limit all the same
            Buffer body = ctx.body().buffer();
            if (body != null && body.length() > maxBodySize) {
                tooLarge(ctx);
            } else {
                handle(ctx, body == null ? null : body.getBytes());
            }
        } else if (ctx.request().isEnded()) {
            handle(ctx, null);
        } else {
            readBody(ctx);
        }
    }

    /**
     * Reads the body as it arrives and runs the call once it has ended; a body that passes the limit (one sent without
     * a length: a declared length was checked at admission) is refused with a {@code 413} at once, and the rest of it
     * discarded until the connection closes.
     */
    private void readBody(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        long declared = declaredLength(request);
        Buffer body = declared > 0 && declared <= maxBodySize ? Buffer.buffer((int) declared) : Buffer.buffer();
        boolean[] refused = { false };
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + (long) chunk.length() > maxBodySize) {
                refused[0] = true;
                tooLarge(ctx);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(failure -> {
            if (refused[0] || ctx.response().ended() || ctx.response().closed()) {
                // answered already (413, or 408 to a body too slow), or the client went away: nobody to tell
                Log.debugf("The body of a call to the serve endpoint was not read to its end: %s", failure.toString());
            } else {
                ctx.fail(failure);
            }
        });
        request.endHandler(ended -> {
            if (!refused[0]) {
                handle(ctx, body.getBytes());
            }
        });
        request.resume();
    }

    /** The {@code Content-Length}, or -1 when there is none or it is not a number. */
    private static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * A body over the limit: {@code 413} with a JSON reason; over HTTP/1.1 the connection is closed after the answer
     * (the rest of the body is not read), HTTP/2 resets the stream.
     */
    private void tooLarge(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(413).putHeader("Content-Type", "application/json");
        if (ctx.request().version() != HttpVersion.HTTP_2) {
            response.putHeader("Connection", "close");
        }
        response.end(String.format(TOO_LARGE, maxBodySize));
    }

    private void handle(RoutingContext ctx, byte[] body) {
        Map<String, String> query = new HashMap<>();
        ctx.queryParams().forEach(param -> query.putIfAbsent(param.getKey(), param.getValue()));
        ServeRequest request = new ServeRequest(ctx.request().method().name(),
                () -> URI.create(ctx.request().absoluteURI()), query, ctx.request()::getHeader, body);
        handler.handle(request).subscribe().with(response -> send(ctx, response, Closing.KEEP_ALIVE), failure -> {
            // the handler answers its own failures; this is the last resort, without the failure's details
            Log.errorf("Inngest serve endpoint failed: %s", failure.toString());
            send(ctx, answers.internal(request, "internal error in the Inngest SDK", Optional.empty()),
                    Closing.KEEP_ALIVE);
        });
    }

    /** What becomes of the connection once an answer is written. */
    private enum Closing {
        /** The body was read: the connection carries the next request. */
        KEEP_ALIVE,
        /**
         * The body was not read: what the client still sends is discarded for {@link #LINGER_MILLIS} at most (so it
         * reads the answer instead of a reset), then the connection is closed.
         */
        AFTER_DRAIN,
        /** Closed at once (a client trickling its body). */
        NOW;

        static final long LINGER_MILLIS = 1_000;
    }

    private static void send(RoutingContext ctx, ServeResponse response, Closing closing) {
        HttpServerResponse http = ctx.response();
        if (http.ended() || http.closed()) {
            return; // the client went away
        }
        http.setStatusCode(response.status());
        response.headers().forEach(http::putHeader);
        if (closing == Closing.KEEP_ALIVE) {
            http.end(Buffer.buffer(response.body()));
            return;
        }
        http.putHeader("Connection", "close");
        HttpServerRequest request = ctx.request();
        if (closing == Closing.AFTER_DRAIN && !request.isEnded()) {
            request.handler(discarded -> { });
            request.resume();
        }
        http.end(Buffer.buffer(response.body())).onComplete(ignored -> {
            if (closing == Closing.NOW || request.isEnded()) {
                request.connection().close();
            } else {
                request.endHandler(ended -> request.connection().close());
                ctx.vertx().setTimer(Closing.LINGER_MILLIS, id -> request.connection().close());
            }
        });
    }
}
