package io.mediafanout.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for the Inngest API and event API (a real HTTP server): {@code POST /fn/register},
 * {@code GET /v0/runs/{id}/batch|actions} and {@code POST /e/{key}}. The app points at it through
 * {@code inngest.base-url}.
 */
public class FakeInngestApi implements QuarkusTestResourceLifecycleManager {

    private static volatile RecordingHttpServer server;
    private static final Map<String, String[]> RUN_PAYLOADS = new ConcurrentHashMap<>();
    private static final AtomicInteger EVENT_COUNTER = new AtomicInteger();

    public static RecordingHttpServer server() {
        return server;
    }

    /** What {@code /v0/runs/{runId}/batch} and {@code /actions} answer. */
    public static void runPayload(String runId, String batchJson, String actionsJson) {
        RUN_PAYLOADS.put(runId, new String[] { batchJson, actionsJson });
    }

    /** Restores the default answers and forgets recorded requests. */
    public static void reset() {
        server.clearRecords();
        server.clearRoutes();
        RUN_PAYLOADS.clear();
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
        s.route("POST", "/e/", r -> RecordingHttpServer.Reply.json(200,
                "{\"ids\":[\"01EVENT" + EVENT_COUNTER.incrementAndGet() + "\"],\"status\":200}"));
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
        // kept for the whole test JVM: several Quarkus profiles share it
    }
}
