package io.mediafanout.testing;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for the Inngest API and event API (a real HTTP server): {@code POST /fn/register},
 * {@code GET /v0/runs/{id}/batch|actions} and {@code POST /e/{key}}. The app points at it through
 * {@code inngest.base-url}.
 * <p>
 * The event API accepts a JSON array of events (or one event object), ignores an event whose {@code id} it received in
 * the last 24 h (as Inngest does; counted by {@link #duplicateEventsIgnored()}), keeps the others
 * ({@link #receivedEvents()}) and hands them to every live {@link ExecutorEmulator}, where they resolve matching
 * waits. It answers {@code {"ids":[...],"status":200}} with one stable id per event: {@code 01EVENT} followed by the
 * event's own {@code id} when it has one, else a new {@code 01EVENT<n>} (which then becomes the event's id).
 */
public class FakeInngestApi implements QuarkusTestResourceLifecycleManager {

    private static volatile RecordingHttpServer server;
    private static final Map<String, String[]> RUN_PAYLOADS = new ConcurrentHashMap<>();
    private static final AtomicInteger EVENT_COUNTER = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EVENT_ID_DEDUPLICATION = Duration.ofHours(24);
    private static final Map<String, Long> RECENT_EVENT_IDS = new ConcurrentHashMap<>();
    private static final List<JsonNode> RECEIVED_EVENTS = new CopyOnWriteArrayList<>();
    private static final AtomicInteger DUPLICATE_EVENTS = new AtomicInteger();

    public static RecordingHttpServer server() {
        return server;
    }

    /** What {@code /v0/runs/{runId}/batch} and {@code /actions} answer. */
    public static void runPayload(String runId, String batchJson, String actionsJson) {
        RUN_PAYLOADS.put(runId, new String[] { batchJson, actionsJson });
    }

    /**
     * Syncs the app served at {@code serveUrl} (a {@code PUT}, out of band) and returns the configuration it
     * registered for {@code functionId}: what Inngest would read its {@code concurrency} and {@code cancel} from.
     */
    public static JsonNode syncedFunction(URI serveUrl, String functionId) throws Exception {
        var put = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(serveUrl)
                .PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 200) {
            throw new AssertionError("sync answered " + put.statusCode() + ": " + put.body());
        }
        var registrations = server.received(r -> r.path().equals("/fn/register"));
        for (JsonNode fn : JSON.readTree(registrations.get(registrations.size() - 1).body()).path("functions")) {
            if (fn.path("id").asText().equals(functionId)) {
                return fn;
            }
        }
        throw new AssertionError(functionId + " is not registered");
    }

    /** Events the event API accepted (duplicates excluded), in order, as handed to the emulators. */
    public static List<JsonNode> receivedEvents() {
        return List.copyOf(RECEIVED_EVENTS);
    }

    /** The first event named {@code name} whose {@code data.mediaId} is {@code mediaId}, as Inngest received it. */
    public static JsonNode receivedEvent(String name, String mediaId) {
        return RECEIVED_EVENTS.stream()
                .filter(e -> e.path("name").asText().equals(name) && e.path("data").path("mediaId").asText().equals(mediaId))
                .findFirst().orElseThrow(() -> new AssertionError("Inngest received no " + name + " of " + mediaId));
    }

    /** Events the event API ignored because an event with the same {@code id} came in the last 24 h. */
    public static int duplicateEventsIgnored() {
        return DUPLICATE_EVENTS.get();
    }

    /** Restores the default answers and forgets recorded requests and received events. */
    public static void reset() {
        server.clearRecords();
        server.clearRoutes();
        RUN_PAYLOADS.clear();
        RECENT_EVENT_IDS.clear();
        RECEIVED_EVENTS.clear();
        DUPLICATE_EVENTS.set(0);
        defaultRoutes(server);
    }

    private static void defaultRoutes(RecordingHttpServer s) {
        s.route("POST", "/fn/register",
                r -> RecordingHttpServer.Reply.json(200, "{\"status\":200,\"modified\":true,\"error\":\"\"}"));
        s.route("GET", "/v0/runs/", r -> {
            String[] parts = r.path().split("/");
            String[] payload = RUN_PAYLOADS.get(parts[3]);
            if (payload == null) {
                return RecordingHttpServer.Reply.json(404, "{\"error\":\"run not found\"}");
            }
            return RecordingHttpServer.Reply.json(200, r.path().endsWith("/batch") ? payload[0] : payload[1]);
        });
        s.route("POST", "/e/", FakeInngestApi::eventApi);
    }

    /** {@code POST /e/{key}}. */
    static RecordingHttpServer.Reply eventApi(RecordingHttpServer.Recorded request) {
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (Exception e) {
            return RecordingHttpServer.Reply.json(400, "{\"error\":\"body is not JSON\",\"status\":400}");
        }
        List<JsonNode> raw = new ArrayList<>();
        if (body != null && body.isArray()) {
            body.forEach(raw::add);
        } else if (body != null && body.isObject()) {
            raw.add(body);
        }
        if (raw.isEmpty() || raw.stream().anyMatch(e -> !e.isObject() || !e.path("name").isTextual())) {
            return RecordingHttpServer.Reply.json(400, "{\"error\":\"expected events with a name\",\"status\":400}");
        }
        List<String> ids = new ArrayList<>();
        List<JsonNode> fresh = new ArrayList<>();
        long now = System.currentTimeMillis();
        synchronized (RECENT_EVENT_IDS) {
            for (JsonNode e : raw) {
                boolean own = e.path("id").isTextual() && !e.path("id").asText().isEmpty();
                ObjectNode event = ExecutorEmulator.normaliseEvent(e,
                        () -> "01EVENT" + EVENT_COUNTER.incrementAndGet());
                String id = event.path("id").asText();
                ids.add(own ? "01EVENT" + id : id);
                Long previous = RECENT_EVENT_IDS.get(id);
                if (previous != null && now - previous < EVENT_ID_DEDUPLICATION.toMillis()) {
                    DUPLICATE_EVENTS.incrementAndGet();
                    continue;
                }
                RECENT_EVENT_IDS.put(id, now);
                RECEIVED_EVENTS.add(event);
                fresh.add(event);
            }
        }
        // outside the lock: delivering resolves pauses, which takes the runs' locks
        ExecutorEmulator.deliverToAll(fresh);
        ObjectNode answer = JSON.createObjectNode();
        ids.forEach(answer.putArray("ids")::add);
        answer.put("status", 200);
        return RecordingHttpServer.Reply.json(200, answer.toString());
    }

    @Override
    public Map<String, String> start() {
        if (server == null) {
            server = new RecordingHttpServer();
            defaultRoutes(server);
        }
        return Map.of("inngest.base-url", server.url());
    }

    @Override
    public void stop() {
        // left running until the JVM exits: each Quarkus test profile loads this class anew (a class loader of its own)
        // and so starts its own server, which its tests read until the last of them; the packaged-jar ITs share one
    }
}
