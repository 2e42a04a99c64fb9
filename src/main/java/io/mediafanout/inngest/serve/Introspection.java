package io.mediafanout.inngest.serve;

import java.util.Optional;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.auth.Signatures;

/** What the serve endpoint says about itself: {@code GET} introspection, also embedded in the in-band sync. */
@Singleton
public class Introspection {

    static final String SCHEMA_VERSION = "2024-05-24";

    private final InngestEnvironment environment;
    private final InngestFunctions functions;
    private final ObjectMapper json;

    public Introspection(InngestEnvironment environment, InngestFunctions functions, ObjectMapper json) {
        this.environment = environment;
        this.functions = functions;
        this.json = json;
    }

    /** For a caller that did not sign: counts and mode only. */
    ObjectNode unauthenticated() {
        ObjectNode body = json.createObjectNode();
        body.putObject("extra").put("native_crypto", true);
        common(body);
        body.putNull("authentication_succeeded");
        return body;
    }

    /** For Inngest (a verified signature, or dev mode): the app, its origins and key hashes. */
    ObjectNode authenticated() {
        ObjectNode body = json.createObjectNode();
        body.putObject("extra").put("native_crypto", true).put("is_streaming", false);
        common(body);
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

    /** What this SDK implements beyond the basics (no Connect). */
    ObjectNode capabilities() {
        return json.createObjectNode().put("trust_probe", "v1");
    }

    private void common(ObjectNode body) {
        body.put("has_event_key", environment.eventKey().isPresent());
        body.put("has_signing_key", environment.signingKey().isPresent());
        body.put("has_signing_key_fallback", environment.signingKeyFallback().isPresent());
        body.put("function_count", functions.count());
        body.put("mode", environment.mode());
        body.put("schema_version", SCHEMA_VERSION);
    }

    static void putOptional(ObjectNode body, String field, Optional<String> value) {
        value.ifPresentOrElse(v -> body.put(field, v), () -> body.putNull(field));
    }
}
