package io.mediafanout.inngest;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jboss.logging.MDC;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.buffer.Buffer;

/**
 * The serve protocol: introspection (GET), sync (PUT), execution and trust probe (POST), signatures and the
 * headers every answer carries. Framework-independent; {@code InngestServeResource} adapts it to HTTP.
 */
@Singleton
public class InngestServeHandler {

    static final String SCHEMA_VERSION = "2024-05-24";
    static final String REQ_VERSION = "2";

    private final InngestEnvironment environment;
    private final InngestFunctions functions;
    private final InngestHttp http;
    private final ObjectMapper json;
    private final Clock clock;
    private final InngestMetrics metrics;
    private final Ops ops;
    private final StepTools.Services services;

    public InngestServeHandler(InngestEnvironment environment, InngestFunctions functions, InngestHttp http,
            ObjectMapper json, Clock clock, InngestMetrics metrics, InngestClient events) {
        this.metrics = metrics;
        this.ops = new Ops(json);
        this.services = new StepTools.Services(events);
        this.environment = environment;
        this.functions = functions;
        this.http = http;
        this.json = json;
        this.clock = clock;
    }

    public Uni<ServeResponse> handle(ServeRequest request) {
        try {
            if (environment.isMisconfigured()) {
                return Uni.createFrom().item(plainJson(500, json.createObjectNode().put("code", "internal_server_error")
                        .put("message", "In cloud mode but no signing key found: set INNGEST_SIGNING_KEY "
                                + "(or INNGEST_DEV=1 for local development)")));
            }
            return switch (request.method()) {
                case "GET", "HEAD" -> Uni.createFrom().item(introspect(request));
                case "PUT" -> sync(request);
                case "POST" -> execute(request);
                default -> Uni.createFrom().item(respond(request, 405,
                        json.createObjectNode().put("message", "Method not allowed"), Optional.empty(), Map.of()));
            };
        } catch (RuntimeException e) {
            Log.error("Unexpected failure in the Inngest serve endpoint", e);
            return Uni.createFrom().item(internalError(request, "internal error in the Inngest SDK"));
        }
    }

    // ---- authentication ------------------------------------------------------------------------------------------

    /** The key that signed this request; empty in dev mode or when the signature is absent or invalid. */
    private Optional<String> verify(ServeRequest request) {
        if (environment.isDev()) {
            return Optional.empty();
        }
        return Signatures.verify(request.header("X-Inngest-Signature"), Signatures.signedBytes(request.body()),
                clock.instant().getEpochSecond(), environment.signingKey(), environment.signingKeyFallback());
    }

    private ServeResponse unauthorized() {
        metrics.signatureRejected();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("x-inngest-sdk-handled", "true");
        return new ServeResponse(401, headers, "{\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8));
    }

    // ---- GET -----------------------------------------------------------------------------------------------------

    private ServeResponse introspect(ServeRequest request) {
        Optional<String> key = verify(request);
        if (!environment.isDev() && key.isEmpty()) {
            return unauthorized();
        }
        return respond(request, 200, key.isPresent() ? authenticatedIntrospection() : unauthenticatedIntrospection(),
                key, Map.of());
    }

    private ObjectNode unauthenticatedIntrospection() {
        ObjectNode body = json.createObjectNode();
        body.putObject("extra").put("native_crypto", true);
        body.put("has_event_key", environment.eventKey().isPresent());
        body.put("has_signing_key", environment.signingKey().isPresent());
        body.put("has_signing_key_fallback", environment.signingKeyFallback().isPresent());
        body.put("function_count", functions.count());
        body.put("mode", environment.mode());
        body.put("schema_version", SCHEMA_VERSION);
        body.putNull("authentication_succeeded");
        return body;
    }

    private ObjectNode authenticatedIntrospection() {
        ObjectNode body = json.createObjectNode();
        body.putObject("extra").put("native_crypto", true).put("is_streaming", false);
        body.put("has_event_key", environment.eventKey().isPresent());
        body.put("has_signing_key", environment.signingKey().isPresent());
        body.put("has_signing_key_fallback", environment.signingKeyFallback().isPresent());
        body.put("function_count", functions.count());
        body.put("mode", environment.mode());
        body.put("schema_version", SCHEMA_VERSION);
        body.put("authentication_succeeded", true);
        body.put("api_origin", environment.apiBaseUrl());
        body.put("app_id", environment.appId());
        body.set("capabilities", capabilities());
        putOptional(body, "env", environment.env());
        body.put("event_api_origin", environment.eventApiBaseUrl());
        putOptional(body, "event_key_hash", environment.eventKey().map(Signatures::sha256Hex));
        body.put("framework", InngestEnvironment.FRAMEWORK);
        body.put("sdk_language", InngestEnvironment.SDK_LANGUAGE);
        body.put("sdk_version", InngestEnvironment.SDK_VERSION);
        putOptional(body, "serve_origin", environment.config().serveOrigin());
        putOptional(body, "serve_path", environment.config().servePath());
        putOptional(body, "signing_key_fallback_hash", environment.signingKeyFallback().map(Signatures::shortHash));
        putOptional(body, "signing_key_hash", environment.signingKey().map(Signatures::shortHash));
        return body;
    }

    private ObjectNode capabilities() {
        return json.createObjectNode().put("trust_probe", "v1");
    }

    private static void putOptional(ObjectNode body, String field, Optional<String> value) {
        value.ifPresentOrElse(v -> body.put(field, v), () -> body.putNull(field));
    }

    // ---- PUT -----------------------------------------------------------------------------------------------------

    private Uni<ServeResponse> sync(ServeRequest request) {
        String kind = request.header("x-inngest-sync-kind");
        if ("in_band".equals(kind) && environment.config().allowInBandSync()) {
            return Uni.createFrom().item(inBandSync(request));
        }
        return outOfBandSync(request);
    }

    private ServeResponse inBandSync(ServeRequest request) {
        Optional<String> key = verify(request);
        if (!environment.isDev() && key.isEmpty()) {
            return unauthorized();
        }
        Map<String, String> syncHeader = Map.of("x-inngest-sync-kind", "in_band");
        JsonNode body;
        try {
            body = json.readTree(request.body());
        } catch (Exception e) {
            body = null;
        }
        if (body == null || !body.isObject() || body.size() != 1 || !body.path("url").isTextual()) {
            return respond(request, 400, json.createObjectNode().put("code", "invalid_request")
                    .put("message", "an in-band sync body must be exactly {\"url\": \"<serve url>\"}"), key, syncHeader);
        }
        String url = advertisedUrl(URI.create(body.path("url").asText()));
        ObjectNode payload = json.createObjectNode();
        payload.put("app_id", environment.appId());
        environment.config().appVersion().ifPresent(v -> payload.put("appVersion", v));
        payload.set("capabilities", capabilities());
        putOptional(payload, "env", environment.env());
        payload.put("framework", InngestEnvironment.FRAMEWORK);
        payload.set("functions", functions.configs(json, url));
        payload.set("inspection", key.isPresent() || environment.isDev() ? authenticatedIntrospection()
                : unauthenticatedIntrospection());
        payload.put("sdk_author", "media-fanout");
        payload.put("sdk_language", InngestEnvironment.SDK_LANGUAGE);
        payload.put("sdk_version", InngestEnvironment.SDK_VERSION);
        payload.put("sdk", InngestEnvironment.SDK);
        payload.put("url", url);
        return respond(request, 200, payload, key, syncHeader);
    }

    private Uni<ServeResponse> outOfBandSync(ServeRequest request) {
        Map<String, String> syncHeader = Map.of("x-inngest-sync-kind", "out_of_band");
        String url = advertisedUrl(request.url());
        ObjectNode body = json.createObjectNode();
        body.put("url", url);
        body.put("deployType", "ping");
        body.put("framework", InngestEnvironment.FRAMEWORK);
        body.put("appName", environment.appId());
        environment.config().appVersion().ifPresent(v -> body.put("appVersion", v));
        body.set("functions", functions.configs(json, url));
        body.put("sdk", InngestEnvironment.SDK);
        body.put("v", "0.1");
        body.set("capabilities", capabilities());

        Map<String, String> query = new LinkedHashMap<>();
        String deployId = request.query("deployId");
        if (deployId != null && !deployId.isBlank() && !deployId.equals("undefined")) {
            query.put("deployId", deployId);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Inngest-Framework", InngestEnvironment.FRAMEWORK);
        headers.put("x-inngest-sync-kind", "out_of_band");
        String serverKind = request.header("X-Inngest-Server-Kind");
        if (serverKind != null && !serverKind.isBlank()) {
            headers.put("X-Inngest-Expected-Server-Kind", serverKind);
        }
        Buffer payload;
        try {
            payload = Buffer.buffer(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().item(internalError(request, "the sync payload cannot be serialised"));
        }
        return http.api(HttpMethod.POST, "/fn/register", query, headers, payload)
                .map(reply -> registered(request, reply, syncHeader))
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("Sync with Inngest at %s failed: %s", environment.apiBaseUrl(), failure.toString());
                    return respond(request, 500, json.createObjectNode()
                            .put("message", "could not reach the Inngest API to sync")
                            .put("modified", false), Optional.empty(), syncHeader);
                });
    }

    private ServeResponse registered(ServeRequest request, InngestHttp.Reply reply, Map<String, String> syncHeader) {
        JsonNode answer;
        try {
            answer = json.readTree(reply.body());
        } catch (Exception e) {
            answer = null;
        }
        JsonNode error = answer == null ? null : answer.get("error");
        boolean modified = answer != null && answer.path("modified").asBoolean(false);
        if (!reply.ok()) {
            String message = error != null && error.isTextual() && !error.asText().isBlank() ? error.asText()
                    : "Inngest refused the sync with HTTP " + reply.status();
            Log.warnf("Sync refused by Inngest (%d): %s", reply.status(), message);
            return respond(request, 500, json.createObjectNode().put("message", message).put("modified", false),
                    Optional.empty(), syncHeader);
        }
        String message = error != null && error.isTextual() ? error.asText() : "Successfully synced.";
        Log.infof("Synced app %s with Inngest (modified: %s)", environment.appId(), modified);
        return respond(request, 200, json.createObjectNode().put("message", message).put("modified", modified),
                Optional.empty(), syncHeader);
    }

    /** The serve URL Inngest should call: the request URL with INNGEST_SERVE_ORIGIN / INNGEST_SERVE_PATH applied. */
    String advertisedUrl(URI requestUrl) {
        String origin = environment.config().serveOrigin()
                .map(o -> o.endsWith("/") ? o.substring(0, o.length() - 1) : o)
                .orElseGet(() -> requestUrl.getScheme() + "://" + requestUrl.getRawAuthority());
        String path = environment.config().servePath().orElse(requestUrl.getRawPath());
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        return origin + (path.startsWith("/") ? path : "/" + path);
    }

    // ---- POST ----------------------------------------------------------------------------------------------------

    private Uni<ServeResponse> execute(ServeRequest request) {
        Optional<String> key = verify(request);
        if (!environment.isDev() && key.isEmpty()) {
            return Uni.createFrom().item(unauthorized());
        }
        String probe = request.query("probe");
        if (probe != null) {
            if (probe.equals("trust")) {
                Map<String, String> headers = baseHeaders(request);
                key.ifPresent(k -> headers.put("X-Inngest-Signature", Signatures.header(k, new byte[0], now())));
                return Uni.createFrom().item(new ServeResponse(200, headers, new byte[0]));
            }
            return Uni.createFrom().item(respond(request, 400, error("Error", "unknown probe \"" + probe + "\""), key,
                    Map.of()));
        }
        String fnId = request.query("fnId");
        Optional<InngestFunctions.Served> function = functions.find(fnId);
        if (function.isEmpty()) {
            return Uni.createFrom().item(respond(request, 500, internalBody(
                    "Function \"" + fnId + "\" was not found in this app; is the app synced correctly?"), key, Map.of()));
        }
        RunRequest run;
        try {
            run = RunRequest.parse(json.readTree(request.body()), json);
        } catch (RunRequest.InvalidRequestException e) {
            return Uni.createFrom().item(respond(request, 500, internalBody(
                    "Failed to parse data from executor: " + e.getMessage()), key, Map.of()));
        } catch (Exception e) {
            return Uni.createFrom().item(respond(request, 500, internalBody(
                    "Failed to parse data from executor: the request body is not valid JSON"), key, Map.of()));
        }
        String stepId = request.query("stepId");
        if (stepId == null || stepId.isBlank()) {
            stepId = Optional.ofNullable(request.header("X-Inngest-Step-ID")).orElse("step");
        }
        String target = stepId.equals("step") ? null : stepId;
        MDC.put("runId", run.runId());
        MDC.put("functionId", fnId);
        Uni<RunRequest> ready = run.useApi() ? fetchPayload(run) : Uni.createFrom().item(run);
        Executor scheduler = scheduler();
        return ready
                .chain(r -> new Execution(function.get(), r, target, ops, services, scheduler).run())
                .invoke(result -> metrics.executed(fnId, result))
                .map(result -> executed(request, result, key))
                .onFailure().recoverWithItem(failure -> {
                    Log.errorf(failure, "Call of %s (run %s) could not be executed", fnId, run.runId());
                    return respond(request, 500, internalBody(failure instanceof RunPayloadException
                            ? failure.getMessage() : "the call could not be executed"), key, Map.of());
                });
    }

    private ServeResponse executed(ServeRequest request, ExecutionResult result, Optional<String> key) {
        Map<String, String> extra = new LinkedHashMap<>();
        if (result.noRetry() != null) {
            extra.put("X-Inngest-No-Retry", result.noRetry().toString());
        }
        result.retryAfterSeconds().ifPresent(s -> extra.put("Retry-After", Long.toString(s)));
        return respond(request, result.status(), result.body(), key, extra);
    }

    /** Runs the decision of an execution on a later turn of this request's event loop. */
    private static Executor scheduler() {
        Context context = Vertx.currentContext();
        if (context == null) {
            return Infrastructure.getDefaultExecutor();
        }
        return task -> context.runOnContext(ignored -> task.run());
    }

    /** Fetching events and steps from the API ({@code use_api}) failed. */
    static final class RunPayloadException extends RuntimeException {
        RunPayloadException(String message) {
            super(message, null, false, false);
        }
    }

    private Uni<RunRequest> fetchPayload(RunRequest run) {
        String base = "/v0/runs/" + java.net.URLEncoder.encode(run.runId(), StandardCharsets.UTF_8);
        Uni<InngestHttp.Reply> batch = http.api(HttpMethod.GET, base + "/batch", Map.of(), Map.of(), null);
        Uni<InngestHttp.Reply> actions = http.api(HttpMethod.GET, base + "/actions", Map.of(), Map.of(), null);
        return Uni.combine().all().unis(batch, actions).asTuple().map(replies -> {
            if (!replies.getItem1().ok() || !replies.getItem2().ok()) {
                throw new RunPayloadException("failed to fetch the run's data from the Inngest API (HTTP "
                        + replies.getItem1().status() + "/" + replies.getItem2().status() + ")");
            }
            try {
                List<Event> events = new ArrayList<>();
                for (JsonNode e : json.readTree(replies.getItem1().body())) {
                    events.add(RunRequest.toEvent(e, json, "batch[]"));
                }
                return run.withPayload(events, RunRequest.decodeSteps(json.readTree(replies.getItem2().body())));
            } catch (Exception e) {
                throw new RunPayloadException("the run's data fetched from the Inngest API is not valid");
            }
        });
    }

    // ---- responses -----------------------------------------------------------------------------------------------

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private Map<String, String> baseHeaders(ServeRequest request) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", InngestEnvironment.SDK);
        headers.put("X-Inngest-SDK", InngestEnvironment.SDK);
        headers.put("x-inngest-sdk-handled", "true");
        headers.put("X-Inngest-Framework", InngestEnvironment.FRAMEWORK);
        String serverKind = request.header("X-Inngest-Server-Kind");
        if (serverKind != null && !serverKind.isBlank()) {
            headers.put("X-Inngest-Expected-Server-Kind", serverKind);
        }
        environment.env().ifPresent(env -> headers.put("X-Inngest-Env", env));
        headers.put("X-Inngest-Req-Version", REQ_VERSION);
        return headers;
    }

    private ServeResponse respond(ServeRequest request, int status, JsonNode body, Optional<String> signingKey,
            Map<String, String> extraHeaders) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body == null ? NullNode.instance : body);
        } catch (JsonProcessingException e) {
            Log.error("Response body cannot be serialised", e);
            status = 500;
            bytes = "{\"type\":\"internal\",\"name\":\"Error\",\"message\":\"response cannot be serialised\"}"
                    .getBytes(StandardCharsets.UTF_8);
        }
        Map<String, String> headers = baseHeaders(request);
        headers.putAll(extraHeaders);
        byte[] signed = bytes;
        signingKey.ifPresent(k -> headers.put("X-Inngest-Signature", Signatures.header(k, signed, now())));
        return new ServeResponse(status, headers, bytes);
    }

    private ServeResponse plainJson(int status, JsonNode body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("x-inngest-sdk-handled", "true");
        return new ServeResponse(status, headers, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private ServeResponse internalError(ServeRequest request, String message) {
        return respond(request, 500, internalBody(message), Optional.empty(), Map.of());
    }

    private ObjectNode internalBody(String message) {
        return json.createObjectNode().put("type", "internal").put("name", "Error").put("message", message)
                .put("__serialized", true);
    }

    private ObjectNode error(String name, String message) {
        return json.createObjectNode().put("name", name).put("message", message).put("__serialized", true);
    }
}
