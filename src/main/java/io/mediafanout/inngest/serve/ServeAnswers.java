package io.mediafanout.inngest.serve;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.auth.Signatures;
import io.quarkus.logging.Log;

/**
 * Every answer of the serve endpoint, with one header policy: an authenticated (or dev-mode) answer carries the SDK
 * headers ({@code X-Inngest-SDK}, {@code X-Inngest-Req-Version}…) and, when a key verified the request, the
 * answer's signature; a refused request gets only {@code Content-Type} and {@code x-inngest-sdk-handled}, as the
 * official SDKs answer (transcript 35), so nothing about the SDK leaks to an unauthenticated caller.
 */
@Singleton
public class ServeAnswers {

    static final String REQ_VERSION = "2";

    private final InngestEnvironment environment;
    private final ObjectMapper json;
    private final Clock clock;

    public ServeAnswers(InngestEnvironment environment, ObjectMapper json, Clock clock) {
        this.environment = environment;
        this.json = json;
        this.clock = clock;
    }

    /** A JSON answer, signed with {@code signingKey} when present. */
    ServeResponse json(ServeRequest request, int status, JsonNode body, Optional<String> signingKey,
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
        return signed(request, status, bytes, signingKey, extraHeaders);
    }

    /** An answer with exactly these body bytes (the trust probe's empty body). */
    ServeResponse signed(ServeRequest request, int status, byte[] bytes, Optional<String> signingKey,
            Map<String, String> extraHeaders) {
        Map<String, String> headers = sdkHeaders(request);
        headers.putAll(extraHeaders);
        signingKey.ifPresent(k -> headers.put("X-Inngest-Signature",
                Signatures.header(k, bytes, clock.instant().getEpochSecond())));
        return new ServeResponse(status, headers, bytes);
    }

    /** A refused request: {@code status} (401 or 400) and a JSON reason, none of the SDK headers. */
    ServeResponse refused(int status, String message) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("x-inngest-sdk-handled", "true");
        byte[] body = json.createObjectNode().put("message", message).toString().getBytes(StandardCharsets.UTF_8);
        return new ServeResponse(status, headers, body);
    }

    /** {@code 500 {type: internal}}: what the official SDKs answer when they cannot run the call. */
    ServeResponse internal(ServeRequest request, String message, Optional<String> signingKey) {
        return json(request, 500, internalBody(message), signingKey, Map.of());
    }

    ObjectNode internalBody(String message) {
        return json.createObjectNode().put("type", "internal").put("name", "Error").put("message", message)
                .put("__serialized", true);
    }

    ObjectNode error(String name, String message) {
        return json.createObjectNode().put("name", name).put("message", message).put("__serialized", true);
    }

    private Map<String, String> sdkHeaders(ServeRequest request) {
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
}
