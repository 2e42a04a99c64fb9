package io.mediafanout.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.media.ProductionLikeProfile;
import io.mediafanout.testing.ChunkedRequest;
import io.quarkus.logging.Log;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * More than 10,000 malformed, oversized, unsigned, replayed and tampered requests to {@code /api/inngest} and
 * {@code /media}, and forged Ittybit webhooks (cloud mode, as in production): every answer is a 4xx with a JSON
 * reason and no internals, and the service is healthy afterwards. The seed and the counts are printed.
 */
@QuarkusTest
@TestProfile(ProductionLikeProfile.class)
class FuzzTests {

    static final String KEY = ProductionLikeProfile.SIGNING_KEY;
    static final List<String> INTERNALS = List.of("Exception", "java.", "io.mediafanout", "org.jboss", "io.vertx",
            "com.fasterxml", "\tat ", "hibernate");

    @TestHTTPResource("/")
    URI base;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final ObjectMapper json = new ObjectMapper();

    record Probe(String category, HttpRequest request) {
    }

    /**
     * A call of the fan-out function for a {@code video/uploaded} that another app sent ({@code {mediaId, sourceUrl}}),
     * the base the probes mangle: hostile input is not what our API sends, so it is built here.
     */
    static final String RUN_BODY = "{\"ctx\":{\"attempt\":0,\"disable_immediate_execution\":false,\"max_attempts\":4,"
            + "\"run_id\":\"01FUZZ\",\"stack\":{\"current\":0,\"stack\":[]},\"step_id\":\"step\",\"use_api\":false},"
            + "\"event\":{\"data\":{\"mediaId\":\"fz\",\"sourceUrl\":\"https://u.example/v.mp4\"},\"id\":\"e1\","
            + "\"name\":\"video/uploaded\",\"ts\":1,\"user\":{}},\"steps\":{},\"version\":-1}";

    private String randomText(Random random, int max) {
        int length = random.nextInt(max + 1);
        StringBuilder s = new StringBuilder(length);
        String alphabet = "{}[]\":,.-_ abcxyz0123456789\\/\u00e9\u4e2d\u0000\n\t'<>%&=?";
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /** A body whose canonical form differs from the signed one (a change JCS ignores would not be tampering). */
    private String mutate(Random random, String body) {
        byte[] original = Signatures.signedBytes(body.getBytes(StandardCharsets.UTF_8));
        while (true) {
            String mutated = mutateOnce(random, body);
            if (!java.util.Arrays.equals(original, Signatures.signedBytes(mutated.getBytes(StandardCharsets.UTF_8)))) {
                return mutated;
            }
        }
    }

    private String mutateOnce(Random random, String body) {
        StringBuilder s = new StringBuilder(body);
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits && s.length() > 0; i++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(3)) {
                case 0 -> s.setCharAt(at, (char) ('a' + random.nextInt(26)));
                case 1 -> s.deleteCharAt(at);
                default -> s.insert(at, (char) ('0' + random.nextInt(10)));
            }
        }
        return s.toString();
    }

    private HttpRequest post(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return b.build();
    }

    private String serve(Random random) {
        return "api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId="
                + (random.nextBoolean() ? "step" : Signatures.sha256Hex(randomText(random, 8)).substring(0, 40));
    }

    private List<Probe> probes(Random random) {
        List<Probe> probes = new ArrayList<>();
        long now = System.currentTimeMillis() / 1000;
        Map<String, Supplier<Probe>> generators = new java.util.LinkedHashMap<>();
        generators.put("inngest-unsigned", () -> new Probe("inngest-unsigned", post(serve(random),
                random.nextBoolean() ? RUN_BODY : randomText(random, 400), Map.of("Content-Type", "application/json"))));
        generators.put("inngest-tampered", () -> {
            String header = Signatures.header(KEY, RUN_BODY.getBytes(StandardCharsets.UTF_8), now);
            return new Probe("inngest-tampered", post(serve(random), mutate(random, RUN_BODY),
                    Map.of("Content-Type", "application/json", "X-Inngest-Signature", header)));
        });
        generators.put("inngest-replayed", () -> {
            long t = now - 301 - random.nextInt(100_000);
            return new Probe("inngest-replayed", post(serve(random), RUN_BODY, Map.of("Content-Type",
                    "application/json", "X-Inngest-Signature", Signatures.header(KEY, RUN_BODY.getBytes(StandardCharsets.UTF_8), t))));
        });
        generators.put("inngest-bad-signature", () -> new Probe("inngest-bad-signature", post(serve(random), RUN_BODY,
                Map.of("Content-Type", "application/json", "X-Inngest-Signature",
                        random.nextBoolean() ? "t=" + now + "&s=" + randomText(random, 64).replaceAll("[^a-z0-9]", "0")
                                : randomText(random, 200).replaceAll("[\\u0000\\n\\t\\u00e9\\u4e2d]", "x")))));
        generators.put("inngest-put-in-band", () -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("api/inngest")).timeout(Duration.ofSeconds(30))
                    .header("x-inngest-sync-kind", "in_band").header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(random.nextBoolean() ? "{\"url\":\"http://evil.example\"}"
                            : randomText(random, 100)));
            if (random.nextBoolean()) {
                b.header("X-Inngest-Signature", Signatures.header(KEY, new byte[0], now - 10_000));
            }
            return new Probe("inngest-put-in-band", b.build());
        });
        generators.put("media-malformed", () -> {
            String[] bodies = { randomText(random, 300),
                    "{\"sourceUrl\":" + json.valueToTree(randomText(random, 50)) + "}",
                    "{\"sourceUrl\":\"https://u.example/v.mp4\",\"mediaId\":" + json.valueToTree("/" + randomText(random, 200)) + "}",
                    "{\"sourceUrl\":" + random.nextInt() + "}", "{\"sourceUrl\":[1,2]}", "[]", "null", "",
                    "{\"sourceUrl\":\"https://u.example/v.mp4\",\"mediaId\":\"" + "x".repeat(129 + random.nextInt(500)) + "\"}",
                    "{\"sourceUrl\":\"javascript:alert(1)\"}", "{\"sourceUrl\":\"file:///etc/passwd\"}" };
            String contentType = random.nextInt(10) == 0 ? "text/plain" : "application/json";
            return new Probe("media-malformed", post("media", bodies[random.nextInt(bodies.length)],
                    Map.of("Content-Type", contentType)));
        });
        generators.put("media-idempotency-key", () -> {
            // a valid upload with an Idempotency-Key that is not one (too long, or with a space): 400, nothing stored
            String key = random.nextBoolean() ? "k".repeat(256 + random.nextInt(2_000))
                    : "k k" + randomText(random, 40).replaceAll("[\\x00-\\x1f]", "").replaceAll("[^\\x20-\\x7e]", "");
            boolean reprocess = random.nextInt(4) == 0;
            return new Probe("media-idempotency-key", post(reprocess ? "media/nope-" + random.nextInt(1_000) + "/reprocess"
                    : "media", "{\"sourceUrl\":\"https://u.example/v.mp4\"}",
                    Map.of("Content-Type", "application/json", "Idempotency-Key", key)));
        });
        generators.put("media-bad-query", () -> {
            String path = random.nextBoolean()
                    ? "media/" + URLEncoder.encode("nope-" + randomText(random, 40), StandardCharsets.UTF_8).replace("+", "%20")
                    : "media?" + (random.nextBoolean() ? "status=" : "limit=")
                            + URLEncoder.encode("x" + randomText(random, 20), StandardCharsets.UTF_8);
            return new Probe("media-bad-query", HttpRequest.newBuilder(base.resolve(path)).GET().build());
        });
        generators.put("media-method", () -> new Probe("media-method", HttpRequest.newBuilder(base.resolve("media"))
                .method(random.nextBoolean() ? "DELETE" : "PATCH", HttpRequest.BodyPublishers.noBody()).build()));
        generators.put("webhook-forged", () -> {
            String key = random.nextBoolean() ? Signatures.sha256Hex(randomText(random, 8)).substring(0, 32)
                    : URLEncoder.encode("k" + randomText(random, 40), StandardCharsets.UTF_8).replace("+", "%20");
            String token = random.nextBoolean() ? Signatures.sha256Hex(randomText(random, 8)).substring(0, 32)
                    : URLEncoder.encode("t" + randomText(random, 40), StandardCharsets.UTF_8).replace("+", "%20");
            return new Probe("webhook-forged", post("ittybit/webhooks/" + key + "/" + token, randomText(random, 300),
                    Map.of("Content-Type", random.nextBoolean() ? "application/json" : "text/plain")));
        });
        generators.put("inngest-deep", () -> {
            // well formed and fresh, so the body is looked at: refused by its depth before it is canonicalised
            String header = "t=" + now + "&s=" + Signatures.sha256Hex(randomText(random, 8));
            String open = random.nextBoolean() ? "[" : "{\"a\":";
            return new Probe("inngest-deep", post(serve(random), open.repeat(100_000),
                    Map.of("Content-Type", "application/json", "X-Inngest-Signature", header)));
        });
        generators.put("media-deep", () -> new Probe("media-deep", post("media",
                "{\"sourceUrl\":" + "[".repeat(10_000 + random.nextInt(50_000)), Map.of("Content-Type", "application/json"))));
        generators.put("chunked", () -> {
            // no Content-Length: sizes around each route's limit
            boolean media = random.nextBoolean();
            int size = media ? 60_000 + random.nextInt(10_000) : random.nextInt(20) == 0 ? 8_388_608 + 1 : random.nextInt(2_000);
            byte fill = (byte) "{[\"a, 1".charAt(random.nextInt(7));
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(media ? "media" : serve(random)))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> repeated(fill, size)));
            return new Probe(size > (media ? 65_536 : 8_388_608) ? "chunked-oversized" : "chunked", b.build());
        });
        List<Supplier<Probe>> all = new ArrayList<>(generators.values());
        for (int i = 0; i < 10_400; i++) {
            probes.add(all.get(random.nextInt(all.size())).get());
        }
        return probes;
    }

    /** {@code size} bytes of {@code fill}, made as they are read. */
    private static java.io.InputStream repeated(byte fill, int size) {
        return new java.io.InputStream() {
            private int left = size;

            @Override
            public int read() {
                return left-- > 0 ? fill : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, fill);
                left -= n;
                return n;
            }
        };
    }

    /** Heap in use after a full collection, in MiB (the test and the service share this JVM). */
    private static long heapAfterGc() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return (runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024);
    }

    /** What the hostile requests may leave behind in the heap, measured after a full collection. */
    static final long HEAP_GROWTH_BOUND_MIB = 64;

    @Test
    void tenThousandHostileRequestsGetAJsonReasonAndLeaveTheServiceHealthy() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        long heapBefore = heapAfterGc();
        List<Probe> probes = probes(new Random(seed));
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Probe probe : probes) {
                futures.add(pool.submit(() -> {
                    try {
                        HttpResponse<String> r = http.send(probe.request(), HttpResponse.BodyHandlers.ofString());
                        counts.computeIfAbsent(probe.category() + " " + r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                        String problem = check(r);
                        if (problem != null && problems.stream().filter(p -> p.startsWith(probe.category())).count() < 3) {
                            problems.add(probe.category() + " " + probe.request().method() + " " + probe.request().uri()
                                    + " -> " + r.statusCode() + " " + problem + ": " + r.body().substring(0, Math.min(300, r.body().length())));
                        }
                    } catch (Exception e) {
                        counts.computeIfAbsent(probe.category() + " io-error", k -> new AtomicInteger()).incrementAndGet();
                        if (!probe.category().endsWith("oversized") && problems.size() < 20) {
                            problems.add(probe.category() + " " + e);
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        int sent = probes.size();
        probes.clear(); // the bodies are large: not counted in the heap measured below
        StringBuilder report = new StringBuilder("fuzz seed " + seed + ", " + sent + " requests:");
        new java.util.TreeMap<>(counts).forEach((k, v) -> report.append("\n  ").append(k).append(": ").append(v));
        long heapAfter = heapAfterGc();
        report.append("\n  heap in use after GC: ").append(heapBefore).append(" MiB before, ").append(heapAfter)
                .append(" MiB after (bound: +").append(HEAP_GROWTH_BOUND_MIB).append(" MiB)");
        Log.info(report);
        System.err.println(report);
        assertThat(problems).as("answers that are not a 4xx with a JSON reason (seed " + seed + ")").isEmpty();
        assertThat(heapAfter - heapBefore).as("heap growth in MiB").isLessThan(HEAP_GROWTH_BOUND_MIB);
        assertThat(sent).isGreaterThanOrEqualTo(10_000);

        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(base.resolve("q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        long now = System.currentTimeMillis() / 1000;
        HttpResponse<String> signed = http.send(HttpRequest.newBuilder(base.resolve("api/inngest"))
                .header("X-Inngest-Signature", Signatures.header(KEY, new byte[0], now)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(signed.statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedBodiesAreRefusedWithAJson413BeforeTheyAreRead() throws Exception {
        // the media API answers a problem (RFC 9457), /api/inngest the Inngest SDK's own JSON
        assertThat(announce("/media", 20_000_000, "Expect: 100-continue\r\n")).startsWith("HTTP/1.1 413")
                .contains("application/problem+json").contains("\"code\":\"payload_too_large\"")
                .contains("\"instance\":\"/media\"");
        assertThat(announce("/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step", 20_000_000,
                "Expect: 100-continue\r\n")).startsWith("HTTP/1.1 413").contains("application/json")
                .contains("\"error\":\"payload_too_large\"");
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("q/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    @Test
    void anOutOfBandSyncWithAForgedHostRegistersOnlyTheConfiguredOrigin() throws Exception {
        io.mediafanout.testing.FakeInngestApi.reset();
        for (String host : List.of("attacker.example", "evil.example:8443", "127.0.0.1:1")) {
            try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("PUT /api/inngest HTTP/1.1\r\nHost: " + host
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 200");
            }
        }
        var registrations = io.mediafanout.testing.FakeInngestApi.server().received(r -> r.path().equals("/fn/register"));
        assertThat(registrations).hasSize(3).allSatisfy(r -> {
            JsonNode body = json.readTree(r.body());
            assertThat(body.path("url").asText()).isEqualTo(ProductionLikeProfile.SERVE_ORIGIN + "/api/inngest");
            assertThat(r.body()).doesNotContain("attacker").doesNotContain("evil").doesNotContain("127.0.0.1:1");
        });
    }

    @Test
    void forgedApiKeysAreRefusedWithAJsonReason() throws Exception {
        for (String authorization : List.of("Bearer ", "Bearer x", "Bearer " + "k".repeat(300), "Token abc", "Bearer\tabc")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("media?limit=1"))
                    .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
            // a presented key is always checked, also where no key is configured (test mode)
            assertThat(r.statusCode()).as(authorization).isEqualTo(401);
            assertThat(check(r)).as(authorization).isNull();
        }
    }

    @Test
    void eachRouteHasItsOwnBodyLimitAnnouncedIn413() throws Exception {
        record Case(String path, long length, long limit) {
        }
        for (Case c : List.of(new Case("/media", 70_000, 65_536),
                new Case("/ittybit/webhooks/" + "0".repeat(32) + "/" + "0".repeat(32), 70_000, 65_536),
                new Case("/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step", 9_000_000,
                        8_388_608))) {
            assertThat(announce(c.path(), c.length(), "")).as(c.path()).startsWith("HTTP/1.1 413")
                    .contains("larger than " + c.limit() + " bytes");
        }
    }

    @Test
    void chunkedBodiesAreHeldToEachRoutesLimitAndWorkBelowIt() throws Exception {
        String id = "chunked_" + System.nanoTime();
        String upload = "{\"sourceUrl\":\"https://uploads.example/" + id + ".mp4\",\"mediaId\":\"" + id + "\"}";
        // exactly at the limit (JSON allows the padding): accepted
        String atLimit = upload + " ".repeat(65_536 - upload.length());
        assertThat(chunked("/media", "", atLimit.getBytes(StandardCharsets.UTF_8))).startsWith("HTTP/1.1 202");
        // one byte over: refused as it arrives, with the route's limit
        assertThat(chunked("/media", "", (atLimit + " ").getBytes(StandardCharsets.UTF_8)))
                .startsWith("HTTP/1.1 413").contains("application/problem+json").contains("larger than 65536 bytes");
        assertThat(chunked("/ittybit/webhooks/" + "0".repeat(32) + "/" + "0".repeat(32), "", new byte[70_000]))
                .startsWith("HTTP/1.1 413").contains("larger than 65536 bytes");
        // /api/inngest: up to 8 MiB (a bad signature is refused only once the body is read), no more
        long now = System.currentTimeMillis() / 1000;
        String signature = "X-Inngest-Signature: " + Signatures.header(KEY, RUN_BODY.getBytes(StandardCharsets.UTF_8), now) + "\r\n";
        byte[] eightMiB = new byte[8 * 1024 * 1024];
        java.util.Arrays.fill(eightMiB, (byte) ' ');
        eightMiB[0] = '{';
        eightMiB[eightMiB.length - 1] = '}';
        String serve = "/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step";
        assertThat(chunked(serve, signature, eightMiB)).startsWith("HTTP/1.1 401").contains("application/json");
        assertThat(chunked(serve, signature, new byte[8 * 1024 * 1024 + 1])).startsWith("HTTP/1.1 413")
                .contains("application/json").contains("payload_too_large");
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("q/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    @Test
    void anEmptyChunkedBodyIsAnsweredAtOnceOnEveryRoute() throws Exception {
        // Vert.x reads no buffer at all for it: Quarkus REST must not be left waiting for a body that has ended
        long now = System.currentTimeMillis() / 1000;
        String signed = "X-Inngest-Signature: " + Signatures.header(KEY, new byte[0], now) + "\r\n";
        String serve = "/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step";
        assertThat(chunked(serve, signed, new byte[0])).matches("(?s)HTTP/1\\.1 5\\d\\d .*")
                .contains("request body must be a JSON object");
        assertThat(chunked(serve, "", new byte[0])).startsWith("HTTP/1.1 401").contains("application/json");
        assertThat(chunked("/media", "", new byte[0])).startsWith("HTTP/1.1 400").contains("application/problem+json");
    }

    @Test
    void chunkedBodiesAreBoundedOnEveryMethodNotOnlyThoseThatTakeOne() throws Exception {
        String serve = "/api/inngest";
        assertThat(chunked("GET", serve, "", new byte[8 * 1024 * 1024 + 1])).startsWith("HTTP/1.1 413")
                .contains("payload_too_large");
        assertThat(chunked("DELETE", "/media/chunked_" + System.nanoTime(), "", new byte[70_000]))
                .startsWith("HTTP/1.1 413").contains("larger than 65536 bytes");
        assertThat(chunked("GET", "/media", "", new byte[70_000])).startsWith("HTTP/1.1 413");
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("q/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    /** POSTs {@code body} chunked (no length), 8 KiB a chunk, and reads the whole answer; stops writing when refused. */
    private String chunked(String path, String extraHeaders, byte[] body) throws Exception {
        return chunked("POST", path, extraHeaders, body);
    }

    private String chunked(String method, String path, String extraHeaders, byte[] body) throws Exception {
        return ChunkedRequest.send(base.getHost(), base.getPort(), method, path, extraHeaders, body,
                Duration.ofSeconds(30));
    }

    /**
     * Sends only the head of a POST announcing a {@code length}-byte JSON body and reads the answer up to the end of
     * its JSON body: a limit must answer before the body is sent.
     */
    private String announce(String path, long length, String extraHeaders) throws Exception {
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + length + "\r\n" + extraHeaders + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[1024];
            int read;
            while (answer.indexOf("}") < 0 && (read = socket.getInputStream().read(buffer)) > 0) {
                answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }
            return answer.toString();
        }
    }

    private String check(HttpResponse<String> r) {
        if (r.statusCode() < 400 || r.statusCode() >= 500) {
            return "status";
        }
        String type = r.headers().firstValue("content-type").orElse("");
        // the media API answers problems (RFC 9457), /api/inngest the Inngest protocol's JSON
        if (!type.startsWith("application/json") && !type.startsWith("application/problem+json")) {
            return "content type";
        }
        JsonNode body;
        try {
            body = json.readTree(r.body());
        } catch (Exception e) {
            return "not JSON";
        }
        if (body == null || !body.isObject() || !(body.path("message").isTextual() || body.path("error").isTextual()
                || body.path("detail").isTextual())) {
            return "no reason";
        }
        for (String internal : INTERNALS) {
            if (r.body().contains(internal)) {
                return "leaks " + internal;
            }
        }
        return null;
    }
}
