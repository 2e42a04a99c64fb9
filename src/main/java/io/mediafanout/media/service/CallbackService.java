package io.mediafanout.media.service;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.inngest.RetryAfterException;
import io.mediafanout.media.client.CallbackClient;
import io.mediafanout.media.client.Hmac;
import io.mediafanout.media.client.IttybitClient;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaRepository;
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
 * The body is {@code {id, type, createdAt, data}}; {@code id} (also in {@code Media-Fanout-Delivery} and
 * {@code Idempotency-Key}) is the same for every attempt of one delivery. {@code Media-Fanout-Signature} is
 * {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the callback secret>}. A delivery a receiver
 * answered with 2xx is recorded and never sent again, whichever replica or retry gets to it; 5xx, 408, 429 and
 * network errors are retried, other answers end the delivery.
 */
@ApplicationScoped
public class CallbackService {

    /** Header carrying the signature. */
    public static final String SIGNATURE_HEADER = "Media-Fanout-Signature";
    /** Header carrying the delivery id. */
    public static final String DELIVERY_HEADER = "Media-Fanout-Delivery";

    /** What a delivery step did: {@code delivered}, {@code already-delivered} or {@code no-callback}. */
    @RegisterForReflection
    public record Delivery(String id, String outcome, Integer status) {
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

    /** Delivers the callback of {@code event} ({@code media/ready}, {@code media/failed}, {@code media/cancelled}). */
    public Uni<Delivery> deliver(Event event, String fallbackId) {
        String id = event.id() != null && !event.id().isBlank() ? event.id() : fallbackId;
        String mediaId = event.data().path("mediaId").asText(null);
        if (mediaId == null) {
            return Uni.createFrom().failure(new NonRetriableException(event.name() + " without a mediaId: no callback"));
        }
        return destination(mediaId).chain(url -> {
            if (url.isEmpty()) {
                return Uni.createFrom().item(new Delivery(id, "no-callback", null));
            }
            if (!enabled()) {
                throw new NonRetriableException("media " + mediaId + " has a callback URL but MEDIA_CALLBACKS_SECRET "
                        + "is not set: not delivered");
            }
            return delivered(id).chain(done -> done ? Uni.createFrom().item(new Delivery(id, "already-delivered", null))
                    : send(id, mediaId, event, url.get()));
        });
    }

    private Uni<Delivery> send(String id, String mediaId, Event event, String url) {
        URI uri;
        try {
            uri = urls.parse(url, "callbackUrl");
        } catch (Upload.InvalidUploadException e) {
            throw new NonRetriableException("callback of media " + mediaId + " not sent: " + e.getMessage());
        }
        String type = type(event.name());
        String body = body(id, type, event);
        return urls.resolve(uri, "callbackUrl")
                .onFailure(Upload.InvalidUploadException.class).transform(e -> new NonRetriableException(
                        "callback of media " + mediaId + " not sent: " + e.getMessage()))
                .chain(target -> client.post(target.url(), target.address(), headers(id, body), body, config.timeout()))
                .onFailure(f -> !(f instanceof NonRetriableException)).transform(f -> new RuntimeException(
                        "callback " + id + " of media " + mediaId + " failed: " + IttybitClient.networkReason(f)))
                .chain(answer -> {
                    int status = answer.status();
                    if (status >= 200 && status < 300) {
                        Log.infof("Callback %s (%s) of media %s delivered: %d", id, type, mediaId, status);
                        return recordDelivered(id, mediaId, type, status).replaceWith(new Delivery(id, "delivered", status));
                    }
                    String what = "callback " + id + " of media " + mediaId + ": the receiver answered " + status;
                    if (status == 429) {
                        Optional<Duration> wait = IttybitClient.retryAfter(answer.retryAfter());
                        throw wait.<RuntimeException>map(w -> new RetryAfterException(what, w))
                                .orElseGet(() -> new RuntimeException(what));
                    }
                    if (status == 408 || status >= 500) {
                        throw new RuntimeException(what);
                    }
                    throw new NonRetriableException(what + " (not retried)");
                });
    }

    private String body(String id, String type, Event event) {
        ObjectNode body = JSON.createObjectNode().put("id", id).put("type", type)
                .put("createdAt", Instant.ofEpochMilli(event.ts() != null ? event.ts() : clock.millis()).toString());
        body.set("data", event.data());
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

    /** The record's callback URL, else the configured default; empty when neither (or no record). */
    @WithSession
    Uni<Optional<String>> destination(String mediaId) {
        return media.findById(mediaId).map(record -> Optional.ofNullable(record).map(Media::getCallbackUrl)
                .or(() -> record == null ? Optional.empty() : config.defaultUrl()));
    }

    @WithSession
    Uni<Boolean> delivered(String id) {
        return media.callbackDelivered(id);
    }

    @WithTransaction
    Uni<Void> recordDelivered(String id, String mediaId, String type, int status) {
        return media.callbackDelivered(id, mediaId, type, status);
    }
}
