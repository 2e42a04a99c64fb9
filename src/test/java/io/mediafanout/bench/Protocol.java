package io.mediafanout.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.erdtman.jcs.JsonCanonicalizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.testing.Transcript;

/**
 * The three executor requests of the benchmark, taken from the transcripts recorded with the official TypeScript
 * SDK (src/test/resources/transcripts, classic protocol: no {@code ctx.fn_id}, so the TypeScript SDK does not
 * checkpoint), and the check that both servers answer them with the same protocol ops.
 */
final class Protocol {

    static final String FN_ID = "media-pipeline-fanout-adaptive-streaming";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A scenario with the transcript it comes from. */
    record Case(Load.Scenario scenario, Transcript transcript) {
    }

    private Protocol() {
    }

    /**
     * 02: discovery, no state, version -1 ⇒ 206 with four {@code StepPlanned}; 03: the call for {@code hls-package}
     * ({@code stepId=sha1}, {@code disable_immediate_execution}, version 2) ⇒ 206 {@code [StepRun]}; 10: the final
     * discovery with all five steps memoised ⇒ 200 with the function's result. Bodies are sent in RFC 8785 canonical
     * form, as the Inngest server sends them (same fields as the transcripts).
     */
    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(of("discovery", "discovery (no state) → 206, 4 × StepPlanned", "02-A-post-discovery-no-state.json",
                206, "\"op\":\"StepPlanned\""));
        cases.add(of("targeted", "targeted step hls-package → 206 StepRun", "03-A-post-run-hls-package.json", 206,
                "\"op\":\"StepRun\""));
        cases.add(of("final", "final replay, 5 steps memoised → 200 result", "10-A-post-final-all-memo.json", 200,
                "\"status\":\"ready\""));
        return cases;
    }

    private static Case of(String key, String title, String file, int status, String marker) {
        Transcript t = Transcript.load(file);
        byte[] body;
        try {
            body = new JsonCanonicalizer(t.requestBody()).getEncodedUTF8();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (t.status() != status) {
            throw new IllegalStateException(file + " was recorded with " + t.status());
        }
        return new Case(new Load.Scenario(key, title, t.pathAndQuery(), body, status, marker), t);
    }

    /**
     * Sends the case once on a fresh connection and checks the answer against the transcript: status, op list
     * (op, id, name, userland id, data), protocol headers, and in cloud mode the response signature.
     *
     * @return the problems found (empty when the answer is protocol-equivalent)
     */
    static List<String> check(ServerProcess server, Case c, Optional<String> signingKey, String serverKind)
            throws Exception {
        List<String> problems = new ArrayList<>();
        Load.Scenario s = c.scenario();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Inngest-Server-Kind", serverKind);
        headers.put("X-Inngest-Signature", signingKey.map(k -> Signatures.header(k, s.body(),
                System.currentTimeMillis() / 1000)).orElse(""));
        RawHttp.Response response;
        try (RawHttp http = new RawHttp("127.0.0.1", server.port)) {
            response = http.send(RawHttp.head("POST", s.pathAndQuery(), "127.0.0.1:" + server.port, headers,
                    s.body().length), s.body());
        }
        String what = server.name + " " + s.key() + ": ";
        if (response.status() != s.expectedStatus()) {
            problems.add(what + "status " + response.status() + " instead of " + s.expectedStatus() + ": "
                    + response.bodyText());
            return problems;
        }
        if (response.headers().get("x-inngest-sdk") == null) {
            problems.add(what + "no X-Inngest-SDK header");
        }
        if (!"2".equals(response.headers().get("x-inngest-req-version"))) {
            problems.add(what + "X-Inngest-Req-Version " + response.headers().get("x-inngest-req-version"));
        }
        if (!serverKind.equals(response.headers().get("x-inngest-expected-server-kind"))) {
            problems.add(what + "X-Inngest-Expected-Server-Kind " + response.headers().get("x-inngest-expected-server-kind"));
        }
        if (signingKey.isPresent()) {
            String header = response.headers().get("x-inngest-signature");
            if (header == null || !header.startsWith("t=") || header.indexOf('&') < 0) {
                problems.add(what + "response not signed");
            } else {
                long t = Long.parseLong(header.substring(2, header.indexOf('&')));
                if (!header.equals(Signatures.header(signingKey.get(), response.body(), t))) {
                    problems.add(what + "wrong response signature");
                }
            }
        }
        JsonNode expected = JSON.readTree(c.transcript().responseBody());
        JsonNode actual = JSON.readTree(new String(response.body(), StandardCharsets.UTF_8));
        if (expected.isArray()) {
            if (!actual.isArray() || actual.size() != expected.size()) {
                problems.add(what + "expected " + expected.size() + " ops, got " + actual);
                return problems;
            }
            for (int i = 0; i < expected.size(); i++) {
                for (String field : List.of("op", "id", "name", "data")) {
                    if (!expected.get(i).path(field).equals(actual.get(i).path(field))) {
                        problems.add(what + "op " + i + " field " + field + ": expected " + expected.get(i).path(field)
                                + ", got " + actual.get(i).path(field));
                    }
                }
                if (!expected.get(i).path("userland").path("id").equals(actual.get(i).path("userland").path("id"))) {
                    problems.add(what + "op " + i + " userland.id differs");
                }
            }
        } else if (!expected.equals(actual)) {
            problems.add(what + "expected " + expected + ", got " + actual);
        }
        return problems;
    }
}
