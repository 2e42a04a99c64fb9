package io.mediafanout.media.client;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Branch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Creates and reads Ittybit tasks. Every call finishes in bounded time (client timeouts, and a deadline on the
 * retries), so a step that calls Ittybit never holds Inngest's request for long: waiting for a task is done by
 * Inngest, between steps. Each branch has its own retry policy for transient failures (5xx, 408, timeouts,
 * connection errors, a rate limit of a fraction of a second): SmallRye Fault Tolerance guards built at start from
 * {@code media.ittybit.<branch>.retry.*} ({@link MediaConfig.Retry}). A longer rate limit ({@code 429}, or {@code 503}
 * with {@code Retry-After}) is {@link RateLimited}: the caller ends its step and Inngest holds the wait. A retried
 * create sends the same {@code Idempotency-Key}, so Ittybit returns the task it already has.
 */
@ApplicationScoped
public class IttybitClient {

    /** What to create. {@code idempotencyKey} identifies (app, environment, media, source, branch, generation). */
    public record TaskOrder(String input, String kind, Map<String, Object> options, Map<String, String> metadata,
            String idempotencyKey) {
    }

    /**
     * Ittybit asked us to come back later (a {@code 429}, or a {@code 503} with {@code Retry-After}) after longer than
     * we wait in a call ({@code media.ittybit.poll.max-in-process-retry-after}): the step ends with "retry after"
     * and Inngest holds the wait. Not retried by the branch's retry policy.
     */
    public static class RateLimited extends IttybitException {
        private final int status;

        public RateLimited(String message, int status, Duration retryAfter) {
            super(message, true, Optional.of(retryAfter));
            this.status = status;
        }

        /** 429 or 503. */
        public int status() {
            return status;
        }

        public Duration retryIn() {
            return retryAfter().orElseThrow();
        }
    }

    private static final Set<String> DONE = Set.of("completed", "succeeded", "ready");
    private static final Set<String> FAILED = Set.of("failed", "error", "cancelled", "canceled");

    private final IttybitRestClient api;
    private final MediaConfig.Ittybit config;
    private final IttybitWebhooks webhooks;
    private final MeterRegistry registry;
    /** Each branch's guards, built from its own settings: one per call, so that metrics tell them apart. */
    private final Map<Branch, Guard> creates = new EnumMap<>(Branch.class);
    private final Map<Branch, Guard> reads = new EnumMap<>(Branch.class);

    public IttybitClient(@RestClient IttybitRestClient api, MediaConfig config, IttybitWebhooks webhooks,
            MeterRegistry registry) {
        this.api = api;
        this.config = config.ittybit();
        this.webhooks = webhooks;
        this.registry = registry;
        for (Branch branch : Branch.values()) {
            MediaConfig.Retry retry = this.config.retry(branch);
            creates.put(branch, guard("ittybit.create." + branch.id(), retry));
            reads.put(branch, guard("ittybit.read." + branch.id(), retry));
        }
    }

    /** Creates the task of this order, retried by the branch's policy. */
    public Uni<IttybitTask> create(Branch branch, TaskOrder order) {
        return guarded(creates.get(branch), () -> createTask(order));
    }

    /** Reads a task as it is now, retried by the branch's policy. */
    public Uni<IttybitTask> read(Branch branch, String taskId) {
        return guarded(reads.get(branch), () -> readTask(taskId));
    }

    /**
     * One call of a branch, with the branch's retry policy ({@link MediaConfig.Ittybit#retry(Branch)}, checked at
     * start): {@code description} names it in SmallRye Fault Tolerance's metrics ({@code ft_*{method=...}}).
     */
    private static Guard guard(String description, MediaConfig.Retry retry) {
        return Guard.create().withDescription(description)
                .withRetry()
                .maxRetries(retry.maxRetries())
                .delay(retry.delay().toMillis(), ChronoUnit.MILLIS)
                .jitter(retry.jitter().toMillis(), ChronoUnit.MILLIS)
                .maxDuration(retry.maxDuration().toMillis(), ChronoUnit.MILLIS)
                .retryOn(IttybitException.Transient.class)
                .done()
                .build();
    }

    /**
     * A new attempt subscribes to a new {@code call}; retries wait on the caller's Vert.x context. Short rate limits
     * that outlast the policy's retries end as the rate limit they are: the step ends with "retry after" and Inngest
     * holds the next wait (counted against the branch's waits), as for a long one.
     */
    @SuppressWarnings("unchecked")
    private static Uni<IttybitTask> guarded(Guard guard, Supplier<Uni<IttybitTask>> call) {
        return ((Uni<IttybitTask>) guard.get(call::get, Uni.class))
                .onFailure(ShortRateLimit.class).transform(failure -> ((ShortRateLimit) failure).limited);
    }

    /** A rate limit of a fraction of a second, waited out here: the branch's retry policy tries again. */
    private static final class ShortRateLimit extends IttybitException.Transient {
        final RateLimited limited;

        ShortRateLimit(RateLimited limited) {
            super(limited.getMessage(), limited.retryAfter());
            this.limited = limited;
        }
    }

    /** Creates the task, or finds it again by its idempotency key; with webhooks on, Ittybit calls back when it ends. */
    private Uni<IttybitTask> createTask(TaskOrder order) {
        return Uni.createFrom().deferred(() -> {
            CreateTaskRequest body = new CreateTaskRequest(order.input(), order.kind(), order.options(),
                    order.metadata(), webhooks.url(order.idempotencyKey()).orElse(null));
            return call("create", "create " + order.kind() + " task",
                    api.create(authorization(), config.acceptVersion(), order.idempotencyKey(), body))
                    .invoke(task -> Log.debugf("Ittybit task %s (%s): %s", task.id(), order.kind(), task.status()));
        });
    }

    /** Reads a task as it is now. */
    private Uni<IttybitTask> readTask(String taskId) {
        return Uni.createFrom().deferred(() -> call("read", "read task " + taskId,
                api.get(authorization(), config.acceptVersion(), taskId)));
    }

    /** Waits on the caller's Vert.x context, so what follows runs on the same event loop. */
    private static Uni<Void> delay(Duration delay) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return Uni.createFrom().voidItem().onItem().delayIt().by(delay).replaceWithVoid();
        }
        return Uni.createFrom().emitter(em -> context.owner().setTimer(Math.max(1, delay.toMillis()),
                id -> context.runOnContext(ignored -> em.complete(null))));
    }

    private String authorization() {
        return config.apiKey().map(key -> "Bearer " + key).orElse(null);
    }

    /** Turns an answer into a task, or a failure saying whether it is worth retrying. */
    private Uni<IttybitTask> call(String operation, String what, Uni<RestResponse<JsonNode>> request) {
        return request
                .onFailure(WebApplicationException.class).recoverWithItem(e -> {
                    Response r = ((WebApplicationException) e).getResponse();
                    JsonNode entity = null;
                    try {
                        entity = r.hasEntity() ? r.readEntity(JsonNode.class) : null;
                    } catch (RuntimeException notJson) {
                        // keep the status alone
                    }
                    return RestResponse.ResponseBuilder.<JsonNode>create(r.getStatus()).entity(entity)
                            .header("Retry-After", r.getHeaderString("Retry-After")).build();
                })
                .onFailure(f -> !(f instanceof IttybitException)).transform(f -> {
                    count(operation, "error");
                    return new IttybitException.Transient("Ittybit unreachable (" + what + "): " + networkReason(f),
                            Optional.empty());
                })
                .invoke(response -> count(operation, Integer.toString(response.getStatus())))
                .map(response -> interpret(what, response))
                .onFailure(RateLimited.class).recoverWithUni(this::waitIfShort);
    }

    /** {@code ittybit_requests_total{operation,status}}: every call to Ittybit by its answer (or "error"). */
    private void count(String operation, String status) {
        Counter.builder("ittybit.requests").description("Calls to the Ittybit API by operation and HTTP status")
                .tag("operation", operation).tag("status", status).register(registry).increment();
    }

    /**
     * A rate limit of a fraction of a second: wait here as asked, then let the branch's retry policy try again; a
     * longer one is handed to the caller as it is (the step ends, and Inngest holds the wait).
     */
    private Uni<IttybitTask> waitIfShort(Throwable failure) {
        Duration wait = ((RateLimited) failure).retryIn();
        if (wait.compareTo(config.poll().maxInProcessRetryAfter()) > 0) {
            return Uni.createFrom().failure(failure);
        }
        return delay(wait).chain(() -> Uni.createFrom().failure(new ShortRateLimit((RateLimited) failure)));
    }

    private IttybitTask interpret(String what, RestResponse<JsonNode> response) {
        int status = response.getStatus();
        JsonNode body = response.getEntity();
        if (status >= 200 && status < 300) {
            return read(body);
        }
        String reason = errorMessage(body);
        Optional<Duration> asked = askedToWait(status, response.getHeaderString("Retry-After"));
        if (asked.isPresent()) {
            throw new RateLimited("Ittybit " + (status == 429 ? "rate limit" : "unavailable") + " (" + what
                    + "): retry after " + asked.get().toMillis() + " ms", status, asked.get());
        }
        if (status == 408 || status >= 500) {
            throw new IttybitException.Transient("Ittybit answered " + status + " (" + what + ")" + reason,
                    Optional.empty());
        }
        if (status == 401 || status == 403) {
            throw new IttybitException("Ittybit refused the API key (" + status + ", " + what + ")", false,
                    Optional.empty());
        }
        throw new IttybitException("Ittybit rejected the request (" + status + ", " + what + ")" + reason, false,
                Optional.empty());
    }

    /** Reads a task in any of the shapes the API has had (see ../shared/ittybit/API.md §6). */
    static IttybitTask read(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new IttybitException("Ittybit answered without a task object", false, Optional.empty());
        }
        JsonNode task = body.path("data").isObject() ? body.path("data") : body;
        String id = text(task.get("id"));
        if (id == null) {
            throw new IttybitException("Ittybit answered a task without an id", false, Optional.empty());
        }
        String status = Optional.ofNullable(text(task.get("status"))).orElse("").toLowerCase(Locale.ROOT);
        IttybitTask.State state = DONE.contains(status) ? IttybitTask.State.DONE
                : FAILED.contains(status) ? IttybitTask.State.FAILED : IttybitTask.State.IN_PROGRESS;
        JsonNode output = task.get("output");
        String url = output == null ? null : output.isTextual() ? output.asText() : text(output.get("url"));
        if (url == null && task.path("outputs").isArray() && task.path("outputs").size() > 0) {
            url = text(task.path("outputs").get(0).get("url"));
        }
        JsonNode error = task.get("error");
        String errorText = error == null || error.isNull() ? null
                : error.isTextual() ? error.asText() : Optional.ofNullable(text(error.get("message"))).orElse(error.toString());
        return new IttybitTask(id, status, state, url, errorText, text(task.get("kind")),
                text(task.path("metadata").get("mediaId")));
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || !node.isValueNode() ? null : node.asText();
    }

    private static String errorMessage(JsonNode body) {
        if (body == null || !body.isObject()) {
            return "";
        }
        JsonNode error = body.path("error").isObject() ? body.path("error") : body;
        String message = text(error.get("message"));
        if (message == null && body.path("error").isTextual()) {
            message = body.path("error").asText();
        }
        return message == null ? "" : ": " + message;
    }

    /** The wait a {@code 429} asks for when its {@code Retry-After} names none, or none that can be read. */
    public static final Duration UNNAMED_WAIT = Duration.ofSeconds(1);
    /** The longest wait a {@code Retry-After} is read as (the callers cap theirs further). */
    static final Duration LONGEST_READ_WAIT = Duration.ofDays(1);

    /**
     * How long a peer (Ittybit, a callback receiver) that answered {@code status} asked to be left alone: a
     * {@code 429}'s {@code Retry-After}, {@link #UNNAMED_WAIT} when it names none; a {@code 503}'s when it names one;
     * empty for any other answer (an ordinary failure, a {@code 503} without a wait among them).
     */
    public static Optional<Duration> askedToWait(int status, String retryAfterHeader) {
        Optional<Duration> named = retryAfter(retryAfterHeader);
        return status == 429 ? Optional.of(named.orElse(UNNAMED_WAIT)) : status == 503 ? named : Optional.empty();
    }

    /**
     * A {@code Retry-After} header (delay-seconds, or an HTTP date in any of the three forms RFC 9110 has recipients
     * accept) as a wait, from none to {@link #LONGEST_READ_WAIT}; empty when absent or unreadable (a sign or a
     * fraction is not delay-seconds).
     */
    public static Optional<Duration> retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String text = header.trim();
        Duration wait;
        if (text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                wait = Duration.ofSeconds(Long.parseLong(text));
            } catch (NumberFormatException tooMany) {
                return Optional.of(LONGEST_READ_WAIT); // too many seconds for a long: longer than any cap
            }
        } else {
            Optional<Instant> at = HTTP_DATES.stream().flatMap(format -> {
                try {
                    return java.util.stream.Stream.of(ZonedDateTime.parse(text, format).toInstant());
                } catch (java.time.DateTimeException notThisForm) {
                    return java.util.stream.Stream.empty();
                }
            }).findFirst();
            if (at.isEmpty()) {
                return Optional.empty();
            }
            wait = Duration.between(Instant.now(), at.get());
        }
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait.compareTo(LONGEST_READ_WAIT) > 0
                ? LONGEST_READ_WAIT : wait);
    }

    /**
     * HTTP dates (RFC 9110 5.6.7): IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), and the obsolete RFC 850
     * ({@code Sunday, 06-Nov-94 08:49:37 GMT}, a two-digit year read within 1970-2069) and asctime
     * ({@code Sun Nov  6 08:49:37 1994}, UTC) forms.
     */
    private static final java.util.List<DateTimeFormatter> HTTP_DATES = java.util.List.of(
            DateTimeFormatter.RFC_1123_DATE_TIME,
            new java.time.format.DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                    .appendValueReduced(java.time.temporal.ChronoField.YEAR, 2, 2, 1970)
                    .appendPattern(" HH:mm:ss zzz").toFormatter(Locale.US),
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(java.time.ZoneOffset.UTC));

    /** What went wrong with a call that got no answer, in words fit for an error message: no class names. */
    public static String networkReason(Throwable failure) {
        String name = failure.getClass().getSimpleName();
        if (name.contains("Timeout")) {
            return "timed out";
        }
        if (name.contains("Connect")) {
            return "connection failed";
        }
        return "I/O error";
    }
}
