package io.mediafanout.inngest.serve;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.InngestEnvironment;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.buffer.Buffer;

/**
 * Registering the app with Inngest ({@code PUT}): out of band (we post our functions to {@code {api}/fn/register})
 * or in band (the signed answer carries them). The URL advertised is {@code INNGEST_SERVE_ORIGIN} +
 * {@code INNGEST_SERVE_PATH}; only in dev mode may it come from the request, whose {@code Host} anyone can forge.
 */
@Singleton
public class AppSync {

    private final InngestEnvironment environment;
    private final InngestFunctions functions;
    private final Introspection introspection;
    private final ServeAnswers answers;
    private final InngestHttp http;
    private final ObjectMapper json;

    public AppSync(InngestEnvironment environment, InngestFunctions functions, Introspection introspection,
            ServeAnswers answers, InngestHttp http, ObjectMapper json) {
        this.environment = environment;
        this.functions = functions;
        this.introspection = introspection;
        this.answers = answers;
        this.http = http;
        this.json = json;
    }

    /** An in-band sync, already authenticated ({@code key}: the key that verified it, empty in dev mode). */
    ServeResponse inBand(ServeRequest request, Optional<String> key) {
        Map<String, String> syncHeader = Map.of("x-inngest-sync-kind", "in_band");
        JsonNode body;
        try {
            body = json.readTree(request.body());
        } catch (Exception e) {
            body = null;
        }
        if (body == null || !body.isObject() || body.size() != 1 || !body.path("url").isTextual()) {
            return answers.json(request, 400, json.createObjectNode().put("code", "invalid_request")
                    .put("message", "an in-band sync body must be exactly {\"url\": \"<serve url>\"}"), key, syncHeader);
        }
        URI requested;
        try {
            requested = URI.create(body.path("url").asText());
        } catch (IllegalArgumentException e) {
            return answers.json(request, 400, json.createObjectNode().put("code", "invalid_request")
                    .put("message", "the in-band sync url is not a URL"), key, syncHeader);
        }
        String url = advertisedUrl(requested);
        ObjectNode payload = json.createObjectNode();
        payload.put("app_id", environment.appId());
        environment.config().appVersion().ifPresent(v -> payload.put("appVersion", v));
        payload.set("capabilities", introspection.capabilities());
        Introspection.putOptional(payload, "env", environment.env());
        payload.put("framework", InngestEnvironment.FRAMEWORK);
        payload.set("functions", functions.configs(json, url));
        payload.set("inspection", introspection.authenticated());
        payload.put("sdk_author", "media-fanout");
        payload.put("sdk_language", InngestEnvironment.SDK_LANGUAGE);
        payload.put("sdk_version", InngestEnvironment.SDK_VERSION);
        payload.put("sdk", InngestEnvironment.SDK);
        payload.put("url", url);
        return answers.json(request, 200, payload, key, syncHeader);
    }

    /** An out-of-band sync: posts the registration to Inngest and says how it went. */
    Uni<ServeResponse> outOfBand(ServeRequest request) {
        Map<String, String> syncHeader = Map.of("x-inngest-sync-kind", "out_of_band");
        if (!environment.isDev() && environment.config().serveOrigin().isEmpty()) {
            return Uni.createFrom().item(answers.json(request, 500, json.createObjectNode()
                    .put("message", "INNGEST_SERVE_ORIGIN is not set: in cloud mode the app only registers the "
                            + "origin it is configured with, never the request's Host")
                    .put("modified", false), Optional.empty(), syncHeader));
        }
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
        body.set("capabilities", introspection.capabilities());

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
            return Uni.createFrom().item(answers.internal(request, "the sync payload cannot be serialised",
                    Optional.empty()));
        }
        return http.api(HttpMethod.POST, "/fn/register", query, headers, payload)
                .map(reply -> registered(request, reply, syncHeader))
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("Sync with Inngest at %s failed: %s", environment.apiBaseUrl(), failure.toString());
                    return answers.json(request, 500, json.createObjectNode()
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
            return answers.json(request, 500, json.createObjectNode().put("message", message).put("modified", false),
                    Optional.empty(), syncHeader);
        }
        String message = error != null && error.isTextual() ? error.asText() : "Successfully synced.";
        Log.infof("Synced app %s with Inngest (modified: %s)", environment.appId(), modified);
        return answers.json(request, 200, json.createObjectNode().put("message", message).put("modified", modified),
                Optional.empty(), syncHeader);
    }

    /** The serve URL Inngest should call: INNGEST_SERVE_ORIGIN / INNGEST_SERVE_PATH, else (dev) the request's URL. */
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
}
