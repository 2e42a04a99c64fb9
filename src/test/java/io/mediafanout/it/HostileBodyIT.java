package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mediafanout.inngest.CloudModeProfile;
import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.PackagedApp.Replica;
import io.mediafanout.testing.Transcript;

/**
 * The packaged jar in cloud mode, started as a 256 MiB pod runs it ({@code java @jvm.options}: a 64 MiB heap), takes
 * unauthenticated bodies built to exhaust memory: up to the body limit of tiny JSON values ({@code [{},…]},
 * {@code [0,…]}, {@code [[],…]}, an event whose data has 400,000 keys, canonical or not), with a fresh, well-formed,
 * wrong signature, four at a time, repeated, with and without a length. Every answer is 401 (or 413 past the limit),
 * the process stays up, and a signed call succeeds right after.
 */
class HostileBodyIT {

    static final int LIMIT = 8 * 1024 * 1024;

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes()
            .set("inngest.dev", "0")
            .set("inngest.signing-key", CloudModeProfile.SIGNING_KEY)
            .set("mediafanout.bench-function", "true")
            .asPod(256);

    @Test
    void bodiesBuiltToExhaustMemoryAreRefusedAndTheProcessStaysUp() throws Exception {
        PackagedApp.Launch launch = app.launch();
        Replica service = launch.set("inngest.serve-origin", "http://127.0.0.1:" + launch.port())
                .set("inngest.event-key", "evtkey-hostile-body-test").launch();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            Map<String, byte[]> bodies = hostileBodies(); // built while the process starts
            service.awaitReady();
            URI url = service.url("/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            List<String> answers = Collections.synchronizedList(new ArrayList<>());
            List<Future<?>> sent = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
                    for (boolean chunked : new boolean[] { false, true }) {
                        sent.add(clients.submit(() -> {
                            String header = "t=" + System.currentTimeMillis() / 1000 + "&s=" + "0".repeat(64);
                            HttpRequest.BodyPublisher publisher = chunked
                                    ? HttpRequest.BodyPublishers.ofInputStream(
                                            () -> new java.io.ByteArrayInputStream(body.getValue()))
                                    : HttpRequest.BodyPublishers.ofByteArray(body.getValue());
                            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(url)
                                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                                    .header("X-Inngest-Signature", header).POST(publisher).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            answers.add(body.getKey() + (chunked ? " chunked" : "") + " -> " + answer.statusCode()
                                    + " " + answer.body());
                            return null;
                        }));
                    }
                }
            }
            for (Future<?> f : sent) {
                f.get(5, TimeUnit.MINUTES);
            }
            System.out.println("hostile bodies: " + answers.size() + " answers, e.g. " + answers.get(0));
            assertThat(answers).allSatisfy(a -> assertThat(a).containsAnyOf("-> 401 {\"message\":\"Unauthorized\"}",
                    "-> 413 {\"error\":\"payload_too_large\""));
            assertThat(service.isAlive()).as("the process is up: log " + service.log()).isTrue();

            Transcript discovery = Transcript.load("02-A-post-discovery-no-state.json");
            byte[] signedBody = discovery.requestBody().getBytes(StandardCharsets.UTF_8);
            byte[] canonical = Signatures.signedBytes(signedBody);
            HttpResponse<String> signed = http.send(HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                    .header("X-Inngest-Signature", Signatures.header(CloudModeProfile.SIGNING_KEY, canonical,
                            System.currentTimeMillis() / 1000))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(signedBody)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(signed.statusCode()).as(signed.body()).isEqualTo(206);
            assertThat(service.logText()).doesNotContain("OutOfMemoryError");
        } finally {
            clients.shutdownNow();
        }
    }

    /** Just under the body limit: the shapes that cost a parsed tree the most per byte. */
    static Map<String, byte[]> hostileBodies() {
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("[{},...]", repeated("{}", LIMIT - 64));
        bodies.put("[0,...]", repeated("0", LIMIT - 64));
        bodies.put("[[],...]", repeated("[]", LIMIT - 64));
        bodies.put("400,000 keys, shuffled", manyKeys(400_000, true, ""));
        bodies.put("400,000 keys, sorted", manyKeys(400_000, false, ""));
        bodies.put("[ {} , ... ] spaced", repeated("{} ", LIMIT - 64));
        bodies.put("over the limit", repeated("0", LIMIT + 1024));
        return bodies;
    }

    private static byte[] repeated(String value, int size) {
        StringBuilder s = new StringBuilder(size + 16).append('[');
        while (s.length() + value.length() + 2 < size) {
            s.append(value).append(',');
        }
        s.setLength(s.length() - 1);
        return s.append(']').toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] manyKeys(int count, boolean shuffle, String space) {
        List<String> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            keys.add(String.format("k%07d", i));
        }
        if (shuffle) {
            Collections.shuffle(keys, new Random(23));
        }
        StringBuilder s = new StringBuilder("{\"event\":{\"data\":{");
        for (int i = 0; i < keys.size(); i++) {
            s.append(i > 0 ? "," : "").append('"').append(keys.get(i)).append("\":").append(space).append('0');
        }
        return s.append("}}}").toString().getBytes(StandardCharsets.US_ASCII);
    }
}
