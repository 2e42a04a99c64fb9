package io.mediafanout.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One exchange recorded from the official TypeScript SDK ({@code src/test/resources/transcripts}, copied from
 * {@code shared/inngest/transcripts}).
 */
public record Transcript(String file, JsonNode root) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Transcript load(String file) {
        try (InputStream in = Transcript.class.getResourceAsStream("/transcripts/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no transcript " + file);
            }
            return new Transcript(file, JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String title() {
        return root.path("title").asText();
    }

    public JsonNode request() {
        return root.path("request");
    }

    public JsonNode response() {
        return root.path("response");
    }

    public String method() {
        return request().path("method").asText();
    }

    /** Path and query of the recorded request URL. */
    public String pathAndQuery() {
        String url = request().path("url").asText();
        int start = url.indexOf('/', url.indexOf("//") + 2);
        return url.substring(start);
    }

    public String requestBody() {
        JsonNode body = request().path("body");
        return body.isNull() || body.isMissingNode() ? "" : body.asText();
    }

    public List<Map.Entry<String, String>> requestHeaders() {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (JsonNode h : request().path("headers")) {
            headers.add(Map.entry(h.get(0).asText(), h.get(1).asText()));
        }
        return headers;
    }

    public int status() {
        return response().path("status").asInt();
    }

    /** Response header by name, case-insensitive; null when absent. */
    public String responseHeader(String name) {
        for (JsonNode h : response().path("headers")) {
            if (h.get(0).asText().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return h.get(1).asText();
            }
        }
        return null;
    }

    public String responseBody() {
        JsonNode body = response().path("body");
        return body.isNull() || body.isMissingNode() ? "" : body.asText();
    }

    /** When the exchange was recorded. */
    public java.time.Instant recordedAt() {
        return java.time.Instant.parse(root.path("recordedAt").asText());
    }

    /** The {@code t} of the request's signature, if it has one. */
    public Long signatureTime() {
        for (Map.Entry<String, String> h : requestHeaders()) {
            if (h.getKey().equalsIgnoreCase("X-Inngest-Signature") && h.getValue().startsWith("t=")) {
                return Long.parseLong(h.getValue().substring(2, h.getValue().indexOf('&')));
            }
        }
        return null;
    }
}
