package io.mediafanout.inngest;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.serve.InngestHttp;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.buffer.Buffer;

/**
 * Sends events to Inngest ({@code POST {event api}/e/{INNGEST_EVENT_KEY}}). An event with an {@code id} is
 * idempotent: Inngest ignores a second event with the same id, so sends are retried on transient errors
 * (connection errors, 429 and 5xx) with the same {@code x-inngest-event-id-seed}.
 */
@Singleton
public class InngestClient {

    /** The event API refused the events, or could not be reached. The message never contains the event key. */
    public static class SendException extends RuntimeException {
        private final boolean transientFailure;
        private final String unreachableDevServer;

        SendException(String message, boolean transientFailure) {
            this(message, transientFailure, null);
        }

        SendException(String message, boolean transientFailure, String unreachableDevServer) {
            super(message, null, false, false);
            this.transientFailure = transientFailure;
            this.unreachableDevServer = unreachableDevServer;
        }

        public boolean isTransient() {
            return transientFailure;
        }

        /**
         * In dev mode, when no connection to the event API could be made (refused, unknown host, no answer to the
         * connection attempt): the URL of the Inngest dev server the events were sent to, which is then most likely not
         * running. Empty in cloud mode, and whenever the event API answered.
         */
        public Optional<String> unreachableDevServer() {
            return Optional.ofNullable(unreachableDevServer);
        }
    }

    /** Dev servers accept any key; the official SDKs use this one when none is set. */
    public static final String DEV_EVENT_KEY = "NO_EVENT_KEY_SET";
    /** The longest wait between two attempts at sending events. */
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);

    /**
     * Per instance, not static: Quarkus initialises application classes at native-image build time, and GraalVM
     * rejects a SecureRandom created then in the image heap.
     */
    private final SecureRandom random = new SecureRandom();

    private final InngestHttp http;
    private final InngestEnvironment environment;
    private final ObjectMapper json;

    public InngestClient(InngestHttp http, InngestEnvironment environment, ObjectMapper json) {
        this.http = http;
        this.environment = environment;
        this.json = json;
    }

    /** Sends one event; emits the id Inngest gave it. */
    public Uni<String> send(Event event) {
        return send(List.of(event)).map(ids -> ids.isEmpty() ? null : ids.get(0));
    }

    /** Sends events in one request; emits their ids, in order. */
    public Uni<List<String>> send(List<Event> events) {
        String key = environment.eventKey().orElse(environment.isDev() ? DEV_EVENT_KEY : null);
        if (key == null) {
            return Uni.createFrom().failure(new SendException(
                    "cannot send events: INNGEST_EVENT_KEY is not set (required in cloud mode)", false));
        }
        long now = System.currentTimeMillis();
        List<Event> stamped = new ArrayList<>();
        for (Event e : events) {
            stamped.add(new Event(e.id(), e.name(), e.data(), e.user(), e.ts() == null ? now : e.ts(), e.v()));
        }
        Buffer body;
        try {
            body = Buffer.buffer(json.writeValueAsBytes(stamped));
        } catch (Exception e) {
            return Uni.createFrom().failure(new SendException("events cannot be serialised as JSON", false));
        }
        byte[] seed = new byte[10];
        random.nextBytes(seed);
        Map<String, String> headers = Map.of("x-inngest-event-id-seed",
                now + "," + Base64.getEncoder().encodeToString(seed));
        String url = InngestHttp.join(environment.eventApiBaseUrl(), "/e/" + key);
        int attempts = Math.max(1, environment.config().http().eventAttempts());
        Uni<List<String>> once = Uni.createFrom().deferred(() -> http.plain(HttpMethod.POST, url, headers, body))
                .onFailure().transform(this::unreachable)
                .map(this::ids);
        if (attempts > 1) {
            Duration delay = environment.config().http().eventRetryDelay();
            once = once.onFailure(f -> f instanceof SendException s && s.isTransient()).retry()
                    .withBackOff(delay, delay.compareTo(MAX_RETRY_DELAY) > 0 ? delay : MAX_RETRY_DELAY)
                    .atMost(attempts - 1L);
        }
        return once.onFailure().invoke(f -> Log.warnf("Sending %d event(s) failed: %s", events.size(), f.getMessage()));
    }

    private List<String> ids(InngestHttp.Reply reply) {
        if (!reply.ok()) {
            boolean transientFailure = reply.status() == 429 || reply.status() >= 500;
            throw new SendException(switch (reply.status()) {
                case 401 -> "event key not found (401)";
                case 413 -> "event payload too large (413)";
                default -> "event API answered " + reply.status() + errorText(reply.body());
            }, transientFailure);
        }
        List<String> ids = new ArrayList<>();
        try {
            for (JsonNode id : json.readTree(reply.body()).path("ids")) {
                ids.add(id.asText());
            }
        } catch (Exception e) {
            throw new SendException("event API answered with a body that is not JSON", false);
        }
        return ids;
    }

    private String errorText(String body) {
        try {
            JsonNode error = json.readTree(body).path("error");
            return error.isTextual() && !error.asText().isBlank() ? ": " + error.asText() : "";
        } catch (Exception e) {
            return "";
        }
    }

    /** The event API could not be reached; in dev mode, a connection that could not be made names the dev server. */
    private SendException unreachable(Throwable e) {
        String devServer = environment.isDev() && notConnected(e) ? environment.eventApiBaseUrl() : null;
        return new SendException("event API unreachable: " + causeName(e)
                + (devServer == null ? "" : " (no Inngest dev server at " + devServer + ")"), true, devServer);
    }

    /** No connection could be made: refused, unknown host, or no answer to the connection attempt in time. */
    private static boolean notConnected(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** The failure's kind without its message: Vert.x messages can contain the request URI, hence the key. */
    private static String causeName(Throwable e) {
        if (e instanceof java.net.ConnectException || e.getClass().getSimpleName().contains("Connect")) {
            return "connection refused";
        }
        if (e instanceof java.util.concurrent.TimeoutException || e.getClass().getSimpleName().contains("Timeout")) {
            return "timed out";
        }
        return "I/O error";
    }
}
