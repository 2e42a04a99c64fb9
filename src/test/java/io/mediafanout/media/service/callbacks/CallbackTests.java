package io.mediafanout.media.service.callbacks;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.media.MediaFixture;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Outbound callbacks: {@code media-callbacks} turns {@code media/ready}, {@code media/failed} and
 * {@code media/cancelled} into one signed POST to the upload's {@code callbackUrl} (a real HTTP receiver here),
 * retried by Inngest on 5xx and time-outs, delivered once per event whatever retries or replicas do.
 */
@QuarkusTest
public class CallbackTests {

    static final String FANOUT = MediaFixture.FANOUT;
    static final String CALLBACKS = MediaFixture.CALLBACKS;
    /** {@code %test.media.callbacks.secret}. */
    public static final String SECRET = "test-callback-secret-0123456789";
    static final ObjectMapper JSON = MediaFixture.JSON;
    static final RecordingHttpServer RECEIVER = MediaFixture.callbackReceiver();

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @BeforeEach
    void reset() {
        FakeInngestApi.reset();
        MediaFixture.resetCallbackReceiver(RECEIVER);
    }

    @AfterAll
    static void stopReceiver() {
        RECEIVER.close();
    }

    private MediaFixture fixture() {
        return MediaFixture.of(serveUrl);
    }

    private static String newId() {
        return MediaFixture.newId("cb");
    }

    /** Uploads with a callback URL to {@link #RECEIVER}; returns the {@code video/uploaded} the API sent. */
    private JsonNode upload(String id) {
        return upload(id, MediaFixture.callbackUrl(RECEIVER, id));
    }

    private JsonNode upload(String id, String callbackUrl) {
        return fixture().uploadWithCallback(id, callbackUrl);
    }

    /** No webhook ends a branch's wait here: the time a run only waits is skipped, for the same calls. */
    private ExecutorEmulator emulator(String fn, int retries) {
        return fixture().emulator(fn, retries).skipIdleTime();
    }

    /** Runs the {@code video/uploaded} the API sent for an uploaded record, to the end. */
    private void runToReady(JsonNode uploaded) throws Exception {
        assertThat(emulator(FANOUT, 3).runEvent(uploaded).status()).isEqualTo("completed");
    }

    /** Uploads with a callback URL and runs the pipeline: Inngest then holds its {@code media/ready}. */
    private JsonNode readyRecord(String id) throws Exception {
        runToReady(upload(id));
        return FakeInngestApi.receivedEvent("media/ready", id);
    }

    private static List<RecordingHttpServer.Recorded> deliveries(String id) {
        return MediaFixture.deliveries(RECEIVER, id);
    }

    /** What a receiver does with the README's recipe: recompute the HMAC of "{t}.{body}" and compare. */
    private static boolean verifies(RecordingHttpServer.Recorded request) throws Exception {
        String header = request.header("media-fanout-signature");
        String t = header.substring(2, header.indexOf(','));
        String v1 = header.substring(header.indexOf("v1=") + 3);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal((t + "." + request.body()).getBytes(StandardCharsets.UTF_8)));
        return expected.equals(v1) && Math.abs(Instant.now().getEpochSecond() - Long.parseLong(t)) < 300;
    }

    @Test
    void aReadyRecordIsCalledBackOnceWithABodyTheReceiverCanVerify() throws Exception {
        String id = newId();
        JsonNode ready = readyRecord(id);

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(ready);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.output().path("outcome").asText()).isEqualTo("delivered");
        List<RecordingHttpServer.Recorded> sent = deliveries(id);
        assertThat(sent).hasSize(1);
        RecordingHttpServer.Recorded delivery = sent.get(0);
        assertThat(verifies(delivery)).as("signature verifies").isTrue();
        assertThat(delivery.header("content-type")).startsWith("application/json");
        // one delivery per record state and round, whichever event asks for it
        assertThat(delivery.header("media-fanout-delivery")).isEqualTo("media.ready-" + id + "-r0");
        assertThat(delivery.header("idempotency-key")).isEqualTo("media.ready-" + id + "-r0");
        JsonNode body = JSON.readTree(delivery.body());
        assertThat(body.path("type").asText()).isEqualTo("media.ready");
        assertThat(body.path("id").asText()).isEqualTo("media.ready-" + id + "-r0");
        assertThat(body.path("data").path("mediaId").asText()).isEqualTo(id);
        assertThat(body.path("data").path("status").asText()).isEqualTo("ready");
        assertThat(body.path("data").path("hlsUrl").asText()).startsWith("http");
    }

    @Test
    void aReceiverAnswering5xxIsTriedAgainWithTheSameDeliveryUntilItTakesIt() throws Exception {
        String id = newId();
        JsonNode ready = readyRecord(id);
        AtomicInteger calls = new AtomicInteger();
        RECEIVER.route("POST", "/hooks/" + id, r -> RecordingHttpServer.Reply.json(
                calls.incrementAndGet() <= 2 ? 503 : 200, "{}"));

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(ready);

        assertThat(run.status()).isEqualTo("completed");
        List<RecordingHttpServer.Recorded> sent = deliveries(id);
        assertThat(sent).hasSize(3);
        assertThat(sent).extracting(r -> r.header("media-fanout-delivery")).containsOnly("media.ready-" + id + "-r0");
        assertThat(sent).extracting(RecordingHttpServer.Recorded::body).containsOnly(sent.get(0).body());
    }

    @Test
    void aReceiverAskingToComeBackLaterIsTriedAgainAfterThatWaitHeldByInngest() throws Exception {
        String id = newId();
        JsonNode ready = readyRecord(id);
        AtomicInteger calls = new AtomicInteger();
        RECEIVER.route("POST", "/hooks/" + id, r -> switch (calls.incrementAndGet()) {
            case 1 -> new RecordingHttpServer.Reply(429, "{}", Map.of("Content-Type", "application/json", "Retry-After", "2"));
            case 2 -> new RecordingHttpServer.Reply(503, "{}", Map.of("Content-Type", "application/json", "Retry-After", "2"));
            default -> RecordingHttpServer.Reply.json(200, "{}");
        });

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(ready);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.output().path("outcome").asText()).isEqualTo("delivered");
        List<RecordingHttpServer.Recorded> sent = deliveries(id);
        assertThat(sent).hasSize(3);
        assertThat(sent).extracting(r -> r.header("media-fanout-delivery")).containsOnly("media.ready-" + id + "-r0");
        assertThat(sent).extracting(RecordingHttpServer.Recorded::body).containsOnly(sent.get(0).body());
        // each wait an Inngest sleep of 2 to 3 s, then a delivery step of its own: no retry spent, no call held
        List<String> waits = List.of(TestHashes.of("deliver-rl1-wait"), TestHashes.of("deliver-rl2-wait"));
        assertThat(run.pauses()).filteredOn(p -> waits.contains(p.id())).hasSize(2)
                .allSatisfy(p -> assertThat(p.scheduledMillis()).isBetween(2_000L, 3_000L));
        assertThat(run.steps()).containsKeys(TestHashes.of("deliver-rl1"), TestHashes.of("deliver-rl2"));
        assertThat(run.calls()).allSatisfy(c -> {
            assertThat(c.ops()).doesNotContain("StepError");
            assertThat(c.attempt()).isZero();
        });
    }

    @Test
    void aReceiverAnsweringABare429IsTriedAgainAfterASleepHeldByInngest() throws Exception {
        String id = newId();
        JsonNode ready = readyRecord(id);
        AtomicInteger calls = new AtomicInteger();
        // no Retry-After, or one that cannot be read: still a rate limit, never a reason to drop the callback
        RECEIVER.route("POST", "/hooks/" + id, r -> switch (calls.incrementAndGet()) {
            case 1 -> RecordingHttpServer.Reply.json(429, "{}");
            case 2 -> new RecordingHttpServer.Reply(429, "{}", Map.of("Content-Type", "application/json", "Retry-After", "1.5"));
            default -> RecordingHttpServer.Reply.json(200, "{}");
        });

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(ready);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.output().path("outcome").asText()).isEqualTo("delivered");
        assertThat(deliveries(id)).hasSize(3);
        List<String> waits = List.of(TestHashes.of("deliver-rl1-wait"), TestHashes.of("deliver-rl2-wait"));
        assertThat(run.pauses()).filteredOn(p -> waits.contains(p.id())).hasSize(2)
                .allSatisfy(p -> assertThat(p.scheduledMillis()).isBetween(1_000L, 2_000L));
        assertThat(run.calls()).allSatisfy(c -> assertThat(c.ops()).doesNotContain("StepError", "StepFailed"));
    }

    @Test
    void aReceiverSlowerThanTheTimeoutIsTriedAgain() throws Exception {
        String id = newId();
        JsonNode ready = readyRecord(id);
        AtomicInteger calls = new AtomicInteger();
        RECEIVER.route("POST", "/hooks/" + id, r -> {
            if (calls.incrementAndGet() == 1) {
                Thread.sleep(2500); // %test.media.callbacks.timeout is 1 s
            }
            return RecordingHttpServer.Reply.json(200, "{}");
        });

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(ready);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.calls()).extracting(ExecutorEmulator.Call::ops).anySatisfy(ops -> assertThat(ops).contains("StepError"));
        assertThat(deliveries(id)).hasSize(2);
    }

    @Test
    void aDeliveredCallbackIsNeverSentAgainByAnotherRunOrReplica() throws Exception {
        String id = newId();
        JsonNode ready = readyRecord(id);
        assertThat(emulator(CALLBACKS, 10).runEvent(ready).output().path("outcome").asText()).isEqualTo("delivered");

        // the same event run again (Inngest re-running the function, or a run replayed on another replica)
        ExecutorEmulator.Run again = emulator(CALLBACKS, 10).runEvent(ready);

        assertThat(again.output().path("outcome").asText()).isEqualTo("already-delivered");
        assertThat(deliveries(id)).hasSize(1);
    }

    @Test
    void aReceiverRefusingWith4xxIsNotRetried() throws Exception {
        String id = newId();
        JsonNode ready = readyRecord(id);
        RECEIVER.route("POST", "/hooks/" + id, r -> RecordingHttpServer.Reply.json(410, "{}"));

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(ready);

        assertThat(run.status()).isEqualTo("failed");
        assertThat(deliveries(id)).hasSize(1);
    }

    @Test
    void aCancelledRecordIsCalledBackAsCancelled() throws Exception {
        String id = newId();
        upload(id);
        given().delete("/media/" + id).then().statusCode(200);

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(FakeInngestApi.receivedEvent("media/cancelled", id));

        assertThat(run.status()).isEqualTo("completed");
        JsonNode body = JSON.readTree(deliveries(id).get(0).body());
        assertThat(body.path("type").asText()).isEqualTo("media.cancelled");
        assertThat(body.path("data").path("mediaId").asText()).isEqualTo(id);
    }

    @Test
    void aRecordWithoutCallbackUrlSendsNothing() throws Exception {
        String id = newId();
        fixture().upload(id);
        given().delete("/media/" + id).then().statusCode(200);

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(FakeInngestApi.receivedEvent("media/cancelled", id));

        assertThat(run.output().path("outcome").asText()).isEqualTo("no-callback");
        assertThat(RECEIVER.received()).isEmpty();
    }

    /** {@code event} with another id and attacker URLs: what anyone holding the event key could send. */
    private static JsonNode forged(JsonNode event, String id) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = event.deepCopy();
        copy.put("id", "forged-" + UUID.randomUUID());
        ((com.fasterxml.jackson.databind.node.ObjectNode) copy.path("data")).put("mediaId", id)
                .put("status", "ready").put("hlsUrl", "https://evil.example/owned.m3u8")
                .put("posterUrl", "https://evil.example/owned.webp");
        return copy;
    }

    @Test
    void aForgedReadyEventForARecordStillProcessingDeliversNothing() throws Exception {
        String ready = newId();
        JsonNode genuine = readyRecord(ready);
        String processing = newId();
        upload(processing);

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(forged(genuine, processing));

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.output().path("outcome").asText()).isEqualTo("stale");
        assertThat(deliveries(processing)).isEmpty();
    }

    @Test
    void aForgedReadyEventOfAReadyRecordDeliversTheStoredRecordOnceAndNeverItsOwnUrls() throws Exception {
        String id = newId();
        JsonNode genuine = readyRecord(id);

        ExecutorEmulator.Run forgedRun = emulator(CALLBACKS, 10).runEvent(forged(genuine, id));
        ExecutorEmulator.Run genuineRun = emulator(CALLBACKS, 10).runEvent(genuine);

        assertThat(forgedRun.output().path("outcome").asText()).isEqualTo("delivered");
        assertThat(genuineRun.output().path("outcome").asText()).isEqualTo("already-delivered");
        List<RecordingHttpServer.Recorded> sent = deliveries(id);
        assertThat(sent).hasSize(1);
        JsonNode data = JSON.readTree(sent.get(0).body()).path("data");
        assertThat(data.path("hlsUrl").asText()).isEqualTo(genuine.path("data").path("hlsUrl").asText())
                .doesNotContain("evil.example");
        assertThat(data.path("posterUrl").asText()).isEqualTo(genuine.path("data").path("posterUrl").asText());
    }

    @Test
    void twoReplicasDeliveringTheSameCallbackAtOnceSendItOnce() throws Exception {
        String id = newId();
        JsonNode ready = readyRecord(id);
        RECEIVER.route("POST", "/hooks/" + id, r -> {
            // the first attempt holds its claim meanwhile; well inside %test.media.callbacks.timeout (1 s), so that a
            // slow machine does not time the attempt out and deliver twice for that reason
            Thread.sleep(250);
            return RecordingHttpServer.Reply.json(200, "{}");
        });

        var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> runQuietly(ready));
        var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> runQuietly(ready));

        List<ExecutorEmulator.Run> runs = List.of(first.get(), second.get());
        assertThat(runs).extracting(ExecutorEmulator.Run::status).containsOnly("completed");
        assertThat(runs).extracting(r -> r.output().path("outcome").asText())
                .containsExactlyInAnyOrder("delivered", "already-delivered");
        assertThat(deliveries(id)).hasSize(1);
    }

    private ExecutorEmulator.Run runQuietly(JsonNode event) {
        try {
            return emulator(CALLBACKS, 10).runEvent(event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A receiver on a raw socket: {@code head} at once, then one byte of {@code trickle} every 200 ms. */
    private static final class TricklingReceiver implements AutoCloseable {
        final java.net.ServerSocket socket = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
        final java.util.concurrent.CompletableFuture<Long> closedAfterMillis = new java.util.concurrent.CompletableFuture<>();

        TricklingReceiver(String head) throws java.io.IOException {
            Thread writer = new Thread(() -> {
                try (java.net.Socket client = socket.accept()) {
                    long start = System.nanoTime();
                    var out = client.getOutputStream();
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    for (int i = 0; i < 300; i++) {
                        Thread.sleep(200);
                        out.write('x');
                        out.flush();
                    }
                    closedAfterMillis.complete(-1L);
                } catch (Exception e) {
                    closedAfterMillis.complete(System.nanoTime() / 1_000_000);
                }
            }, "trickling-receiver");
            writer.setDaemon(true);
            writer.start();
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/hooks/trickle";
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    @Test
    void aReceiverTricklingItsBodyAfterA200DoesNotHoldTheDelivery() throws Exception {
        String id = newId();
        try (TricklingReceiver receiver = new TricklingReceiver("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")) {
            runToReady(upload(id, receiver.url()));

            ExecutorEmulator.Run run = emulator(CALLBACKS, 0).runEvent(FakeInngestApi.receivedEvent("media/ready", id));
            long ended = System.nanoTime() / 1_000_000;

            assertThat(run.output().path("outcome").asText()).isEqualTo("delivered");
            // the client hung up instead of reading the body: the receiver's next byte finds the connection closed
            long closed = receiver.closedAfterMillis.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(closed).as("receiver saw the connection closed").isPositive();
            // ...long before the trickle would have ended (a byte every 200 ms for 60 s): no timing to the millisecond
            assertThat(closed - ended).as("ms from the delivery's end to the receiver seeing the close")
                    .isLessThan(Duration.ofSeconds(20).toMillis());
        }
    }

    @Test
    void aReceiverTricklingItsHeadersIsCutAtTheTimeout() throws Exception {
        String id = newId();
        try (TricklingReceiver receiver = new TricklingReceiver("HTTP/1.1 200 OK\r\nX-Slow: ")) {
            runToReady(upload(id, receiver.url()));

            long start = System.nanoTime();
            ExecutorEmulator.Run run = emulator(CALLBACKS, 0).runEvent(FakeInngestApi.receivedEvent("media/ready", id));
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(run.status()).isEqualTo("failed");
            assertThat(run.output().toString()).contains("did not answer within");
            // %test.media.callbacks.timeout is 1 s: the call ends then, not when the receiver is done (60 s)
            assertThat(millis).isLessThan(4_000);
            assertThat(receiver.closedAfterMillis.get(5, java.util.concurrent.TimeUnit.SECONDS)).isPositive();
        }
    }
}
