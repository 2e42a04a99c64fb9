package io.mediafanout.media.service.webhooks;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.ProductionLikeProfile;
import io.mediafanout.media.client.IttybitWebhooks;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Ittybit webhooks: a task created with a {@code webhook_url} calls it when it ends; the service turns the call into
 * {@code ittybit/task.ended}, sent to Inngest's event API, which ends the pause of the branch that created the task
 * (the executor emulator plays Inngest, fed by the fake event API). The branches would otherwise wait 30 minutes
 * (the profile).
 */
@QuarkusTest
@TestProfile(WebhookProfile.class)
class WebhookTests {

    static final String FN = MediaFixture.FANOUT;

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Inject
    IttybitWebhooks webhooks;

    @BeforeEach
    void resetEventApi() {
        FakeInngestApi.reset();
    }

    private MediaFixture fixture() {
        return MediaFixture.of(serveUrl).signedWith(ProductionLikeProfile.SIGNING_KEY);
    }

    private static String newMediaId() {
        return MediaFixture.newId("vid");
    }

    /** Every task of the media ends this long after its creation; it calls its webhook when {@code webhooks}. */
    private static void script(String mediaId, Duration duration, boolean webhooks) {
        for (Branch branch : Branch.values()) {
            FakeIttybit.Script script = FakeIttybit.script(mediaId, branch.kind());
            script.completeAfter = duration;
            script.webhooks = webhooks;
        }
    }

    /** Production's path: {@code POST /media}, then Inngest runs the {@code video/uploaded} the API sent. */
    private ExecutorEmulator.Run run(String mediaId, double timeScale) throws Exception {
        JsonNode uploaded = fixture().upload(mediaId);
        try (ExecutorEmulator emulator = fixture().emulator(FN, 3).timeScale(timeScale)) {
            return emulator.runEvent(uploaded);
        }
    }

    private static long reads(String mediaId) {
        return FakeIttybit.requests(mediaId).stream().filter(r -> r.method().equals("GET")).count();
    }

    @Test
    void aTaskWebhookEndsItsBranchWaitSoTheRunCompletesWithoutPolling() throws Exception {
        String mediaId = newMediaId();
        script(mediaId, Duration.ofMillis(300), true);
        Instant start = Instant.now();

        ExecutorEmulator.Run run = run(mediaId, 1.0);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(Duration.between(start, Instant.now())).as("far below the 30-minute wait")
                .isLessThan(Duration.ofSeconds(60));
        await("Ittybit has its four webhook answers").atMost(Duration.ofSeconds(20))
                .until(() -> FakeIttybit.tasks(mediaId).stream()
                        .allMatch(task -> !FakeIttybit.webhookCalls(task.id()).isEmpty()));
        assertThat(FakeIttybit.tasks(mediaId)).hasSize(4).allSatisfy(task -> {
            assertThat(task.request().path("webhook_url").asText())
                    .isEqualTo(webhooks.url(task.idempotencyKey()).orElseThrow())
                    .startsWith("http://127.0.0.1:" + WebhookProfile.PORT + "/ittybit/webhooks/" + task.idempotencyKey() + "/");
            assertThat(FakeIttybit.webhookCalls(task.id())).containsExactly(200);
        });
        assertThat(reads(mediaId)).as("one read per task, after its webhook").isEqualTo(4);
        for (Branch branch : Branch.values()) {
            assertThat(run.pausesFor(io.mediafanout.inngest.TestHashes.of(branch.id() + "-ended")))
                    .singleElement().satisfies(p -> assertThat(p.outcome()).isEqualTo("event"));
        }
        for (FakeIttybit.Task task : FakeIttybit.tasks(mediaId)) {
            JsonNode event = FakeInngestApi.receivedEvents().stream()
                    .filter(e -> e.path("data").path("key").asText().equals(task.idempotencyKey())).findFirst()
                    .orElseThrow();
            assertThat(event.path("name").asText()).isEqualTo("ittybit/task.ended");
            assertThat(event.path("id").asText()).isEqualTo("ittybit-task-ended-" + task.idempotencyKey());
            assertThat(event.path("data").path("taskId").asText()).isEqualTo(task.id());
            assertThat(event.path("data").path("status").asText()).isEqualTo("completed");
        }
        given().get("/media/" + mediaId).then().statusCode(200).body("status", equalTo("ready"));
    }

    @Test
    void aWebhookArrivingBeforeTheCreateStepHasAnsweredStillEndsTheWait() throws Exception {
        String mediaId = newMediaId();
        script(mediaId, Duration.ofMillis(50), true);
        for (Branch branch : Branch.values()) {
            FakeIttybit.Script script = FakeIttybit.script(mediaId, branch.kind());
            script.slowCreates = 1;
            script.slowBy = Duration.ofMillis(1500);
        }

        ExecutorEmulator.Run run = run(mediaId, 1.0);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.pauses()).filteredOn(p -> p.op().equals("WaitForEvent")).hasSize(4)
                .allSatisfy(p -> assertThat(p.outcome()).isEqualTo("event"));
        assertThat(reads(mediaId)).isEqualTo(4);
    }

    @Test
    void aRateLimitedCreateIsTriedAgainAfterItsSleepWithoutWaitingForItsOwnWebhookWaitToTimeOut() throws Exception {
        String mediaId = newMediaId();
        script(mediaId, Duration.ofMillis(100), true);
        FakeIttybit.script(mediaId, "image").createFaults(429).retryAfter = "3";

        // 30 minutes of waiting last 18 s (room for a slow machine to create, call back and deliver the event); the
        // sleep of 3-4 s lasts 30-40 ms
        ExecutorEmulator.Run run = run(mediaId, 0.01);

        assertThat(run.status()).isEqualTo("completed");
        // the task created after the sleep ends the branch's wait by its webhook, not by the wait's 30-minute timeout
        assertThat(run.pausesFor(io.mediafanout.inngest.TestHashes.of("poster-image-ended")))
                .singleElement().satisfies(p -> assertThat(p.outcome()).isEqualTo("event"));
    }

    @Test
    void whenNoWebhookEverArrivesTheWaitTimesOutAndTheReadFinishesTheBranch() throws Exception {
        String mediaId = newMediaId();
        script(mediaId, Duration.ofMillis(100), false);

        // 30 minutes of waiting last 1.8 s
        ExecutorEmulator.Run run = run(mediaId, 0.001);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.pauses()).filteredOn(p -> p.op().equals("WaitForEvent")).hasSize(4)
                .allSatisfy(p -> assertThat(p.outcome()).isEqualTo("timeout"));
        assertThat(reads(mediaId)).isEqualTo(4);
        given().get("/media/" + mediaId).then().statusCode(200).body("status", equalTo("ready"));
    }

    @Test
    void aRepeatedDeliveryOfOneWebhookIsOneEvent() throws Exception {
        String taskKey = "0123456789abcdef0123456789abcdef";
        String path = URI.create(webhooks.url(taskKey).orElseThrow()).getPath();
        int duplicatesBefore = FakeInngestApi.duplicateEventsIgnored();

        for (int i = 0; i < 3; i++) {
            given().contentType("application/json").body("{\"id\":\"task_1\",\"status\":\"completed\"}")
                    .post(path).then().statusCode(200).body("received", equalTo(true));
        }

        List<RecordingHttpServer.Recorded> sent = FakeInngestApi.server().received(r -> r.path().startsWith("/e/"));
        assertThat(sent).hasSize(3);
        assertThat(FakeInngestApi.duplicateEventsIgnored() - duplicatesBefore).isEqualTo(2);
        assertThat(FakeInngestApi.receivedEvents()).filteredOn(e -> e.path("data").path("key").asText().equals(taskKey))
                .singleElement().satisfies(e -> assertThat(e.path("id").asText()).isEqualTo("ittybit-task-ended-" + taskKey));
    }

    @Test
    void aWebhookWhoseEventCannotBeSentAnswers503SoIttybitDeliversItAgain() {
        String taskKey = "fedcba9876543210fedcba9876543210";
        String path = URI.create(webhooks.url(taskKey).orElseThrow()).getPath();
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(500, "{\"error\":\"down\"}"));

        given().contentType("application/json").body("{}").post(path).then().statusCode(503)
                .header("Retry-After", equalTo("5")).body("code", equalTo("unavailable"));
    }

    @Test
    void aWebhookUrlThisServiceDidNotHandOutIsRejectedWithAJsonReasonAndSendsNothing() {
        String taskKey = "0123456789abcdef0123456789abcdef";
        String valid = URI.create(webhooks.url(taskKey).orElseThrow()).getPath();
        String forged = valid.substring(0, valid.length() - 32) + "0".repeat(32);
        String otherTask = valid.replace(taskKey, "f".repeat(32));

        for (String path : List.of(forged, otherTask, "/ittybit/webhooks/" + taskKey + "/short",
                "/ittybit/webhooks/not-a-key/" + "0".repeat(32))) {
            given().contentType("application/json").body("{}").post(path).then().statusCode(404)
                    .body("code", equalTo("not_found")).body("detail", not(containsString("Exception")));
        }
        assertThat(FakeInngestApi.server().received(r -> r.path().startsWith("/e/"))).isEmpty();
    }
}
