package io.mediafanout.media;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
class CallbackTests {

    static final String FANOUT = "media-pipeline-fanout-adaptive-streaming";
    static final String CALLBACKS = "media-pipeline-media-callbacks";
    /** {@code %test.media.callbacks.secret}. */
    static final String SECRET = "test-callback-secret-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    static final RecordingHttpServer RECEIVER = new RecordingHttpServer();

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @BeforeEach
    void reset() {
        FakeInngestApi.reset();
        RECEIVER.clearRoutes();
        RECEIVER.clearRecords();
        RECEIVER.route("POST", "/hooks/", r -> RecordingHttpServer.Reply.json(204, ""));
    }

    @AfterAll
    static void stopReceiver() {
        RECEIVER.close();
    }

    private static String newId() {
        return "cb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static String callbackUrl(String id) {
        return RECEIVER.url() + "/hooks/" + id;
    }

    private static void upload(String id) {
        given().contentType("application/json")
                .body("{\"sourceUrl\":\"https://uploads.example/" + id + ".mp4\",\"mediaId\":\"" + id
                        + "\",\"callbackUrl\":\"" + callbackUrl(id) + "\"}")
                .post("/media").then().statusCode(202);
    }

    private ExecutorEmulator emulator(String fn, int retries) {
        return new ExecutorEmulator(serveUrl, fn, Optional.empty(), retries, Duration.ofMillis(200));
    }

    /** Uploads with a callback URL and runs the pipeline: Inngest then holds its {@code media/ready}. */
    private JsonNode readyRecord(String id) throws Exception {
        upload(id);
        assertThat(emulator(FANOUT, 3).runEvent(FakeInngestApi.receivedEvent("video/uploaded", id)).status()).isEqualTo("completed");
        return FakeInngestApi.receivedEvent("media/ready", id);
    }

    private static List<RecordingHttpServer.Recorded> deliveries(String id) {
        return RECEIVER.received(r -> r.path().equals("/hooks/" + id));
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
        given().contentType("application/json")
                .body("{\"sourceUrl\":\"https://uploads.example/" + id + ".mp4\",\"mediaId\":\"" + id + "\"}")
                .post("/media").then().statusCode(202);
        given().delete("/media/" + id).then().statusCode(200);

        ExecutorEmulator.Run run = emulator(CALLBACKS, 10).runEvent(FakeInngestApi.receivedEvent("media/cancelled", id));

        assertThat(run.output().path("outcome").asText()).isEqualTo("no-callback");
        assertThat(RECEIVER.received()).isEmpty();
    }
}
