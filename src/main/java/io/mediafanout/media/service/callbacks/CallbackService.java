package io.mediafanout.media.service.callbacks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.inngest.RetryAfterException;
import io.mediafanout.media.client.CallbackClient;
import io.mediafanout.media.client.Hmac;
import io.mediafanout.media.client.IttybitClient;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaRepository;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.RateLimitWaits;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * Callbacks to the uploading app: {@code media.ready}, {@code media.failed} and {@code media.cancelled}, POSTed as
 * JSON to the record's {@code callbackUrl} (or the configured default) from a step, so Inngest retries a failed
 * delivery with its backoff.
 * <p>
 * The event only says which record to call back about: the delivery is built from the stored record, and only when
 * the record is in the event's state and round (a forged or stale event delivers nothing). The body is
 * {@code {id, type, createdAt, data}}; {@code id} (also in {@code Media-Fanout-Delivery} and {@code Idempotency-Key})
 * is {@code <type>-<mediaId>-r<round>}, the same for every attempt and every event about that state.
 * {@code Media-Fanout-Signature} is {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the callback
 * secret>}. An attempt claims the delivery in the database (a lease) before it sends, so two replicas or retries never
 * send it at once; a delivery a receiver answered with 2xx is recorded and never sent again. The whole attempt —
 * resolving the host, connecting, sending, reading the status — ends within {@code media.callbacks.timeout}; the
 * answer's body is never read. 5xx, 408, 429, time-outs, network and DNS errors are retried, other answers end the
 * delivery.
 */
@ApplicationScoped
public class CallbackService {

    /** Header carrying the signature. */
    public static final String SIGNATURE_HEADER = "Media-Fanout-Signature";
    /** Header carrying the delivery id. */
    public static final String DELIVERY_HEADER = "Media-Fanout-Delivery";
    /** How much longer than the timeout a claim lasts: a crashed attempt's delivery can be taken over after it. */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(5);

    /**
     * What a delivery step did: {@code delivered}, {@code already-delivered}, {@code no-callback}, {@code no-record},
     * {@code stale} (the record is not in the event's state or round) or {@code retry-after} (the receiver asked to
     * come back after {@code retryAfterMs}: Inngest holds that wait, then the delivery is tried again).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delivery(String id, String outcome, Integer status, Long retryAfterMs) {
        public static final String RETRY_AFTER = "retry-after";

        Delivery(String id, String outcome, Integer status) {
            this(id, outcome, status, null);
        }

        /** Whether the receiver asked to come back later. */
        public boolean retryLater() {
            return RETRY_AFTER.equals(outcome);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MediaRepository media;
    private final CallbackUrls urls;
    private final CallbackClient client;
    private final MediaConfig.Callbacks config;
    private final Clock clock;

    public CallbackService(MediaRepository media, CallbackUrls urls, CallbackClient client, MediaConfig config,
            Clock clock) {
        this.media = media;
        this.urls = urls;
        this.client = client;
        this.config = config.callbacks();
        this.clock = clock;
    }

    /** Whether callbacks can be sent at all (a secret is configured). */
    public boolean enabled() {
        return config.secret().isPresent();
    }

    /** The callback type of an event: {@code media/ready} becomes {@code media.ready}. */
    static String type(String eventName) {
        return eventName.replace('/', '.');
    }

    /** The id of the delivery about a record's state in one round. */
    static String deliveryId(String type, String mediaId, int round) {
        return type + "-" + mediaId + "-r" + round;
    }

    /**
     * Delivers the callback {@code event} ({@code media/ready}, {@code media/failed}, {@code media/cancelled}) asks
     * for, built from the record as stored.
     */
    public Uni<Delivery> deliver(Event event, boolean mayWait) {
        String mediaId = event.data().path("mediaId").asText(null);
        if (mediaId == null) {
            return Uni.createFrom().failure(new NonRetriableException(event.name() + " without a mediaId: no callback"));
        }
        String type = type(event.name());
        JsonNode round = event.data().path("round");
        return record(mediaId).chain(record -> {
            if (record == null) {
                Log.infof("%s for media %s: no such record, nothing delivered", event.name(), mediaId);
                return Uni.createFrom().item(new Delivery(null, "no-record", null));
            }
            String id = deliveryId(type, mediaId, record.getRound());
            if (MediaEvents.ANNOUNCED.get(event.name()) != record.getStatus() || (round.isIntegralNumber()
                    && round.asInt() != record.getRound())) {
                Log.warnf("%s for media %s (round %s) does not match the record (%s, round %d): nothing delivered",
                        event.name(), mediaId, round.isMissingNode() ? "unnamed" : round.toString(),
                        record.getStatus().value(), record.getRound());
                return Uni.createFrom().item(new Delivery(id, "stale", null));
            }
            Optional<String> url = Optional.ofNullable(record.getCallbackUrl()).or(config::defaultUrl);
            if (url.isEmpty()) {
                return Uni.createFrom().item(new Delivery(id, "no-callback", null));
            }
            if (!enabled()) {
                throw new NonRetriableException("media " + mediaId + " has a callback URL but MEDIA_CALLBACKS_SECRET "
                        + "is not set: not delivered");
            }
            String body = body(id, type, record);
            return claim(id, mediaId, type).chain(claim -> {
                if (claim.delivered()) {
                    return Uni.createFrom().item(new Delivery(id, "already-delivered", null));
                }
                if (!claim.claimed()) {
                    throw new RetryAfterException("callback " + id + " is being delivered by another attempt",
                            claim.leaseLeft().plusSeconds(1));
                }
                return send(id, mediaId, type, url.get(), body, mayWait)
                        .call(delivery -> delivery.retryLater() ? release(id) : Uni.createFrom().voidItem())
                        .onFailure().call(() -> release(id).onFailure().recoverWithNull());
            });
        });
    }

    private Uni<Delivery> send(String id, String mediaId, String type, String url, String body, boolean mayWait) {
        URI uri;
        try {
            uri = urls.parse(url, "callbackUrl");
        } catch (Upload.InvalidUploadException e) {
            throw new NonRetriableException("callback of media " + mediaId + " not sent: " + e.getMessage());
        }
        Duration timeout = config.timeout();
        return urls.resolve(uri, "callbackUrl")
                .onFailure(f -> f instanceof Upload.InvalidUploadException && !(f instanceof CallbackUrls.UnresolvedHostException))
                .transform(e -> new NonRetriableException("callback of media " + mediaId + " not sent: " + e.getMessage()))
                .chain(target -> client.post(target.url(), target.address(), headers(id, body), body, timeout))
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException("the receiver did not answer within "
                        + CallbackClient.describe(timeout)))
                .onFailure(f -> !(f instanceof NonRetriableException)).transform(f -> new RuntimeException(
                        "callback " + id + " of media " + mediaId + " failed: " + reason(f)))
                .chain(answer -> {
                    int status = answer.status();
                    if (status >= 200 && status < 300) {
                        Log.infof("Callback %s of media %s delivered: %d", id, mediaId, status);
                        return recordDelivered(id, status).replaceWith(new Delivery(id, "delivered", status));
                    }
                    String what = "callback " + id + " of media " + mediaId + ": the receiver answered " + status;
                    Optional<Duration> wait = IttybitClient.askedToWait(status, answer.retryAfter());
                    if (wait.isPresent()) {
                        // come back as asked: a sleep in Inngest (nothing held), or past the waits an Inngest retry
                        if (mayWait) {
                            Log.infof("%s: trying again in %d ms, as asked", what, wait.get().toMillis());
                            return Uni.createFrom().item(new Delivery(id, Delivery.RETRY_AFTER, status,
                                    wait.get().toMillis()));
                        }
                        throw new RetryAfterException(what, RateLimitWaits.capped(wait.get(),
                                CallbackFunction.LONGEST_RATE_LIMIT_WAIT));
                    }
                    if (status == 408 || status >= 500) {
                        throw new RuntimeException(what);
                    }
                    throw new NonRetriableException(what + " (not retried)");
                });
    }

    /** Why an attempt failed, in words safe to log: ours, or the kind of network error. */
    private static String reason(Throwable failure) {
        return failure instanceof CallbackUrls.UnresolvedHostException || failure instanceof TimeoutException
                || (failure instanceof java.io.IOException && String.valueOf(failure.getMessage()).startsWith("the receiver"))
                ? failure.getMessage() + " (tried again)" : IttybitClient.networkReason(failure);
    }

    /**
     * {@code {id, type, createdAt, data}}: {@code data} is the record as stored ({@code mediaId}, {@code status},
     * {@code round}, the outputs made, and for a failed or cancelled record {@code branch}, {@code code} and
     * {@code reason}); {@code createdAt} is when the record reached that state, so every attempt sends the same body.
     */
    private static String body(String id, String type, Media record) {
        ObjectNode data = MediaEvents.putOutputs(JSON.createObjectNode().put("mediaId", record.getId())
                .put("status", record.getStatus().value()).put("round", record.getRound()), record.outputs());
        if (record.getStatus() != MediaStatus.READY) {
            FailureCode code = Objects.requireNonNullElse(record.getErrorCode(), FailureCode.RUN_FAILED);
            data.put("branch", record.getFailedBranch()).put("code", code.code()).put("reason", code.message());
        }
        ObjectNode body = JSON.createObjectNode().put("id", id).put("type", type)
                .put("createdAt", record.getUpdatedAt().toInstant().toString());
        body.set("data", data);
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> headers(String id, String body) {
        long t = clock.instant().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", "media-fanout-callbacks");
        headers.put(DELIVERY_HEADER, id);
        headers.put("Idempotency-Key", id);
        headers.put(SIGNATURE_HEADER, signature(config.secret().orElseThrow(), t, body));
        return headers;
    }

    /** {@code t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>}. */
    public static String signature(String secret, long t, String body) {
        return "t=" + t + ",v1=" + java.util.HexFormat.of()
                .formatHex(Hmac.sha256(secret.getBytes(StandardCharsets.UTF_8), t + "." + body));
    }

    @WithSession
    Uni<Media> record(String mediaId) {
        return media.findById(mediaId);
    }

    @WithTransaction
    Uni<MediaRepository.CallbackClaim> claim(String id, String mediaId, String type) {
        return media.claimCallback(id, mediaId, type, config.timeout().plus(LEASE_MARGIN));
    }

    @WithTransaction
    Uni<Void> recordDelivered(String id, int status) {
        return media.callbackDelivered(id, status);
    }

    @WithTransaction
    Uni<Void> release(String id) {
        return media.releaseCallback(id);
    }
}
