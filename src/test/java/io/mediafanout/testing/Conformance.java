package io.mediafanout.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.auth.Signatures;

/**
 * Replays a transcript against the service and checks that it answers as the TypeScript SDK did: status, the
 * protocol headers, the op list and the bodies, ignoring the volatile fields the transcripts' README lists and the
 * fields that name the SDK or framework.
 */
public final class Conformance {

    /** Headers whose values are protocol and must be equal. */
    private static final List<String> PROTOCOL_HEADERS = List.of("x-inngest-sdk-handled", "x-inngest-req-version",
            "x-inngest-expected-server-kind", "x-inngest-no-retry", "x-inngest-sync-kind", "retry-after");
    /** Headers that identify the SDK: present exactly when the reference sent them, with our values. */
    private static final List<String> IDENTITY_HEADERS = List.of("x-inngest-sdk", "user-agent", "x-inngest-framework");
    /** Body fields naming the SDK, framework or the reference server's addresses; compared separately or not at all. */
    private static final Set<String> IMPLEMENTATION_FIELDS = Set.of("framework", "sdk", "sdk_language", "sdk_version",
            "sdk_author", "featureObservations", "capabilities", "api_origin", "event_api_origin", "stack", "timing");
    /**
     * Fields the protocol spec lists that we send and the TS SDK leaves out; {@code concurrency}: the app-wide limit
     * every function declares at sync (the reference app declares none; its shape is checked by the sync tests).
     */
    private static final Set<String> ALLOWED_EXTRAS = Set.of("has_signing_key_fallback", "authentication_succeeded",
            "concurrency");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Conformance() {
    }

    /** Sends the recorded request to {@code serveUrl} (same method, path, query, headers and body bytes). */
    public static HttpResponse<String> replay(Transcript t, URI serveUrl) throws Exception {
        return replay(t, serveUrl, UnaryOperator.identity());
    }

    /**
     * As {@link #replay(Transcript, URI)}, for a separate process whose clock cannot be pinned to the recording's:
     * a request signature that was valid when recorded (over the canonical body, or over the raw bytes) is made
     * again with {@code signingKey} over the same bytes, its {@code t} moved by as much as the recording is old, so a
     * fresh signature is fresh and a stale one (recorded 10 minutes old) is as stale now; a wrong or malformed one is
     * sent as recorded.
     */
    public static HttpResponse<String> replayResigned(Transcript t, URI serveUrl, String signingKey) throws Exception {
        return replay(t, serveUrl, header -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("t=(\\d+)&s=([0-9a-f]{64})").matcher(header);
            if (!m.matches()) {
                return header;
            }
            long recorded = Long.parseLong(m.group(1));
            byte[] raw = t.requestBody().getBytes(StandardCharsets.UTF_8);
            long now = recorded + (java.time.Instant.now().getEpochSecond() - t.recordedAt().getEpochSecond());
            for (byte[] signed : List.of(Signatures.signedBytes(raw), raw)) {
                if (Signatures.mac(signingKey, signed, recorded).equals(m.group(2))) {
                    return Signatures.header(signingKey, signed, now);
                }
            }
            return header;
        });
    }

    private static HttpResponse<String> replay(Transcript t, URI serveUrl, UnaryOperator<String> signature)
            throws Exception {
        String pathAndQuery = t.pathAndQuery();
        int q = pathAndQuery.indexOf('?');
        URI target = URI.create(serveUrl.toString() + (q >= 0 ? pathAndQuery.substring(q) : ""));
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30));
        for (Map.Entry<String, String> h : t.requestHeaders()) {
            String name = h.getKey().toLowerCase();
            if (name.equals("x-inngest-signature") && !h.getValue().isEmpty()) {
                request.header(h.getKey(), signature.apply(h.getValue()));
            } else if (!Set.of("content-length", "host", "connection").contains(name)) {
                request.header(h.getKey(), h.getValue());
            }
        }
        byte[] body = t.requestBody().getBytes(StandardCharsets.UTF_8);
        request.method(t.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        // the service's clock reads the time the exchange was recorded, so recorded signatures are fresh (or stale)
        TestClock.pin(t.recordedAt());
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } finally {
            TestClock.release();
        }
    }

    /** Asserts that {@code actual} answers the transcript's request as the reference did. */
    public static void assertConforms(Transcript t, HttpResponse<String> actual, String signingKey) throws Exception {
        String what = t.file() + " (" + t.title() + ")";
        assertThat(actual.statusCode()).as(what + ": status").isEqualTo(t.status());
        assertThat(actual.headers().firstValue("content-type").orElse("")).as(what + ": content type")
                .startsWith("application/json");
        for (String header : PROTOCOL_HEADERS) {
            assertThat(actual.headers().firstValue(header).orElse(null)).as(what + ": header " + header)
                    .isEqualTo(t.responseHeader(header));
        }
        for (String header : IDENTITY_HEADERS) {
            assertThat(actual.headers().firstValue(header).isPresent()).as(what + ": presence of " + header)
                    .isEqualTo(t.responseHeader(header) != null);
        }
        if (t.responseHeader("x-inngest-sdk") != null) {
            assertThat(actual.headers().firstValue("x-inngest-sdk")).hasValue(InngestEnvironment.SDK);
            assertThat(actual.headers().firstValue("x-inngest-framework")).hasValue("quarkus");
        }
        boolean signed = t.responseHeader("x-inngest-signature") != null;
        assertThat(actual.headers().firstValue("x-inngest-signature").isPresent()).as(what + ": signed response")
                .isEqualTo(signed);
        if (signed) {
            assertResponseSigned(actual, signingKey);
        }
        assertBodyConforms(what, t.responseBody(), actual.body());
    }

    /** The response signature is the HMAC of the exact body bytes and its own {@code t}. */
    public static void assertResponseSigned(HttpResponse<String> actual, String signingKey) {
        String header = actual.headers().firstValue("x-inngest-signature").orElseThrow();
        long t = Long.parseLong(header.substring(2, header.indexOf('&')));
        assertThat(header).isEqualTo(
                Signatures.header(signingKey, actual.body().getBytes(StandardCharsets.UTF_8), t));
    }

    public static void assertBodyConforms(String what, String expectedBody, String actualBody) throws Exception {
        if (expectedBody.isEmpty()) {
            assertThat(actualBody).as(what + ": body").isEmpty();
            return;
        }
        JsonNode expected = JSON.readTree(expectedBody);
        JsonNode actual = JSON.readTree(actualBody);
        if (expected.isObject() && expected.path("message").asText().startsWith("Failed to parse data from executor")) {
            // the reference quotes its schema library's report; the protocol part is the prefix and the shape
            assertThat(actual.path("message").asText()).as(what).startsWith("Failed to parse data from executor");
            assertThat(actual.path("type").asText()).isEqualTo(expected.path("type").asText());
            return;
        }
        assertThat(normalize(actual, expected)).as(what + ": body").isEqualTo(normalize(expected, expected));
    }

    /** Drops implementation fields and, from ours, the extra fields the spec allows. */
    static JsonNode normalize(JsonNode node, JsonNode reference) {
        if (node.isArray()) {
            ArrayNode copy = JSON.createArrayNode();
            for (int i = 0; i < node.size(); i++) {
                copy.add(normalize(node.get(i), reference != null && reference.isArray() && i < reference.size()
                        ? reference.get(i) : null));
            }
            return copy;
        }
        if (!node.isObject()) {
            return node;
        }
        ObjectNode copy = JSON.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            if (IMPLEMENTATION_FIELDS.contains(name)) {
                continue;
            }
            boolean inReference = reference != null && reference.has(name);
            if (ALLOWED_EXTRAS.contains(name) && !inReference) {
                continue;
            }
            if (name.equals("opts") && field.getValue().isObject() && field.getValue().isEmpty()) {
                continue;
            }
            copy.set(name, normalize(field.getValue(), reference == null ? null : reference.get(name)));
        }
        return copy;
    }
}
