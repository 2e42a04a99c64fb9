package io.mediafanout.media.service.pipeline;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * The whole pipeline: Inngest (the executor emulator) runs {@code fanout-adaptive-streaming} against the fake
 * Ittybit and the real PostgreSQL; the media API shows the outcome. No webhook ends a branch's wait here, so the
 * emulator skips the time a run only waits ({@link ExecutorEmulator#skipIdleTime()}): the same calls, without the
 * idle seconds.
 */
@QuarkusTest
class FanoutPipelineTests {

    static final String FN = MediaFixture.FANOUT;
    static final ObjectMapper JSON = MediaFixture.JSON;

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    private MediaFixture fixture() {
        return MediaFixture.of(serveUrl);
    }

    private static String newMediaId() {
        return MediaFixture.newId("vid");
    }

    /** Production's path: {@code POST /media}, then Inngest runs the {@code video/uploaded} the API sent. */
    private ExecutorEmulator.Run run(String mediaId) throws Exception {
        return fixture().run(mediaId);
    }

    /** What Inngest does when a run fails for good: it triggers the onFailure function with the run's event. */
    private ExecutorEmulator.Run runFailureHandler(String mediaId, ExecutorEmulator.Run failed) throws Exception {
        return fixture().runFailureHandler(mediaId, failed);
    }

    private static JsonPath media(String mediaId) {
        return MediaFixture.media(mediaId);
    }

    private static String branchStatus(JsonPath media, String branch) {
        return media.getString("branches.find { it.name == '" + branch + "' }.status");
    }

    @Test
    void happyPathRecordsTheFourOutputsAndCreatesEachTaskOnce() throws Exception {
        String mediaId = newMediaId();
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("completed");
        for (Branch branch : Branch.values()) {
            String kind = branch.kind();
            assertThat(FakeIttybit.tasks(mediaId, kind)).as(kind).hasSize(1);
            assertThat(FakeIttybit.creates(mediaId, kind)).as(kind).hasSize(1);
        }
        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("ready");
        assertThat(media.getString("hlsUrl")).isEqualTo(outputOf(mediaId, "adaptive_video"));
        assertThat(media.getString("posterUrl")).isEqualTo(outputOf(mediaId, "image"));
        assertThat(media.getString("gifUrl")).isEqualTo(outputOf(mediaId, "video"));
        assertThat(media.getString("transcriptionUrl")).isEqualTo(outputOf(mediaId, "audio"));
        assertThat(media.getList("branches.status")).containsOnly("completed").hasSize(4);
        assertThat(media.getList("branches.attempts", Integer.class)).containsOnly(1);
        assertThat(run.output().path("gifUrl").asText()).isEqualTo(outputOf(mediaId, "video"));

        RecordingHttpServer.Recorded create = FakeIttybit.creates(mediaId, "video").get(0);
        JsonNode body = JSON.readTree(create.body());
        assertThat(body.path("input").asText()).isEqualTo("https://uploads.example/" + mediaId + ".mp4");
        assertThat(body.path("options")).isEqualTo(JSON.readTree("{\"start\":1,\"end\":4,\"width\":480,\"format\":\"gif\"}"));
        assertThat(body.path("metadata").path("mediaId").asText()).isEqualTo(mediaId);
        assertThat(create.header("authorization")).isEqualTo("Bearer " + FakeIttybit.API_KEY);
        assertThat(create.header("accept-version")).isEqualTo("2025-08-20");
        assertThat(create.header("idempotency-key")).hasSize(32);
    }

    /** An event another app sent ({@code {mediaId, sourceUrl}}, no record before it): its run makes the record. */
    @Test
    void anUploadEventAnotherAppSentRunsWithTheDefaultOutputsAndMakesTheRecord() throws Exception {
        String mediaId = newMediaId();
        ExecutorEmulator.Run run;
        try (ExecutorEmulator emulator = fixture().fanout()) {
            run = emulator.run(MediaEvents.UPLOADED, MediaFixture.foreignUpload(mediaId));
        }

        assertThat(run.status()).isEqualTo("completed");
        FakeIttybit.assertEachKindCreatedOnce(mediaId);
        assertThat(JSON.readTree(FakeIttybit.creates(mediaId, "image").get(0).body()).path("options"))
                .isEqualTo(JSON.readTree("{\"format\":\"webp\",\"start\":2,\"width\":1280}"));
        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("ready");
        assertThat(media.getString("sourceUrl")).isEqualTo(MediaFixture.sourceUrl(mediaId));
        assertThat(media.getList("branches.status")).containsOnly("completed").hasSize(Branch.values().length);
    }

    private static String outputOf(String mediaId, String kind) {
        return FakeIttybit.outputUrl(mediaId, kind, FakeIttybit.tasks(mediaId, kind).get(0).id());
    }

    @Test
    void aGifBranchAnswered503TwiceIsTheOnlyBranchCalledAgain() throws Exception {
        String mediaId = newMediaId();
        FakeIttybit.script(mediaId, "video").createFaults(503, 503);
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(FakeIttybit.creates(mediaId, "video")).hasSize(3);
        for (Branch branch : Branch.values()) {
            if (branch != Branch.GIF_PREVIEW) {
                assertThat(FakeIttybit.creates(mediaId, branch.kind())).as(branch.kind()).hasSize(1);
            }
        }
        assertThat(FakeIttybit.tasks(mediaId, "video")).hasSize(1);
        // the retries happened inside one step attempt: every step was called by Inngest once
        for (ExecutorEmulator.Call call : run.calls()) {
            assertThat(call.ops()).doesNotContain("StepError");
        }
        assertThat(media(mediaId).getString("status")).isEqualTo("ready");
    }

    @Test
    void aTaskThatAlwaysEndsFailedFailsTheRunAndTheRecordNamesTheBranch() throws Exception {
        String mediaId = newMediaId();
        FakeIttybit.script(mediaId, "video").failTasks();
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("failed");
        assertThat(run.output().path("message").asText()).startsWith("gif-preview: Ittybit task").contains("ended failed");
        // each Inngest attempt replaced the failed task by a new one (new Idempotency-Key)
        assertThat(FakeIttybit.tasks(mediaId, "video")).hasSize(4);
        assertThat(FakeIttybit.tasks(mediaId, "video")).extracting(FakeIttybit.Task::idempotencyKey).doesNotHaveDuplicates();
        JsonPath during = media(mediaId);
        assertThat(branchStatus(during, "gif-preview")).isEqualTo("failed");
        assertThat(during.getInt("branches.find { it.name == 'gif-preview' }.attempts")).isEqualTo(4);

        ExecutorEmulator.Run handler = runFailureHandler(mediaId, run);
        assertThat(handler.status()).isEqualTo("completed");
        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("failed");
        assertThat(media.getString("failedBranch")).isEqualTo("gif-preview");
        // a stable code and a short message: Ittybit's own error text stays in the logs
        assertThat(media.getString("error.code")).isEqualTo("task_failed");
        assertThat(media.getString("error.message")).isEqualTo("an Ittybit task failed, and so did the tasks that replaced it");
        assertThat(media.getString("branches.find { it.name == 'gif-preview' }.error.code")).isEqualTo("task_failed");
        assertThat(media.prettify()).doesNotContain("decoder error");
        assertThat(branchStatus(media, "hls-package")).isEqualTo("completed");
        assertThat(media.getString("hlsUrl")).isEqualTo(outputOf(mediaId, "adaptive_video"));
        assertThat(media.getString("gifUrl")).isNull();
        assertThat(media.getString("branches.find { it.name == 'hls-package' }.outputUrl"))
                .isEqualTo(outputOf(mediaId, "adaptive_video"));
    }

    @Test
    void aReadyRunTellsOtherAppsWithOneMediaReadyEvent() throws Exception {
        String mediaId = newMediaId();
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("completed");
        List<JsonNode> ready = eventsFor("media/ready", mediaId);
        assertThat(ready).singleElement().satisfies(event -> {
            assertThat(event.path("id").asText()).isEqualTo("media-ready-" + mediaId + "-r0");
            assertThat(event.path("data").path("status").asText()).isEqualTo("ready");
            assertThat(event.path("data").path("hlsUrl").asText()).isEqualTo(outputOf(mediaId, "adaptive_video"));
            assertThat(event.path("data").path("transcriptionUrl").asText()).isEqualTo(outputOf(mediaId, "audio"));
        });
        assertThat(run.steps()).containsKey(TestHashes.of("media-ready"));
    }

    @Test
    void aTaskThatIsNotOursIsNeverRecordedAsAnOutputAndTheFailureIsAnnounced() throws Exception {
        String mediaId = newMediaId();
        FakeIttybit.script(mediaId, "image").answerAsMedia = "someone-elses-video";
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("failed");
        assertThat(run.output().path("message").asText()).contains("not the task this branch created");
        assertThat(run.callsFor(TestHashes.of("poster-image")))
                .extracting(ExecutorEmulator.Call::ops).containsExactly(List.of("StepFailed"));

        assertThat(runFailureHandler(mediaId, run).status()).isEqualTo("completed");
        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("failed");
        assertThat(media.getString("posterUrl")).isNull();
        assertThat(media.getString("failedBranch")).isEqualTo("poster-image");
        assertThat(media.getString("error.code")).isEqualTo("task_mismatch");
        assertThat(eventsFor("media/failed", mediaId)).singleElement().satisfies(event -> {
            assertThat(event.path("id").asText()).isEqualTo("media-failed-" + mediaId + "-r0");
            assertThat(event.path("data").path("branch").asText()).isEqualTo("poster-image");
            assertThat(event.path("data").path("code").asText()).isEqualTo("task_mismatch");
            assertThat(event.path("data").path("reason").asText()).isEqualTo(FailureCode.TASK_MISMATCH.message());
        });
        assertThat(eventsFor("media/ready", mediaId)).isEmpty();
    }

    @Test
    void anUploadOfAReadyRecordReturnsItAndStartsNothingWhileReprocessStartsANewRunWithNewTasks() throws Exception {
        String mediaId = newMediaId();
        String body = MediaFixture.uploadBody(mediaId, "");
        assertThat(run(mediaId).status()).isEqualTo("completed");
        int uploadsSent = eventsFor("video/uploaded", mediaId).size();
        String firstGifTask = FakeIttybit.tasks(mediaId, "video").get(0).id();

        given().contentType("application/json").body(body).post("/media").then().statusCode(200)
                .body("status", equalTo("ready"));
        assertThat(eventsFor("video/uploaded", mediaId)).as("nothing started").hasSize(uploadsSent);

        given().post("/media/" + mediaId + "/reprocess").then().statusCode(202).body("status", equalTo("processing"));
        given().post("/media/" + mediaId + "/reprocess").then().statusCode(409).body("code", equalTo("conflict"));
        JsonNode event = eventsFor("video/uploaded", mediaId).get(uploadsSent);
        assertThat(event.path("id").asText()).isEqualTo("video-uploaded-" + mediaId + "-r1");
        assertThat(event.path("data").path("round").asInt()).isEqualTo(1);

        assertThat(fixture().fanout().runEvent(event).status()).isEqualTo("completed");
        for (Branch branch : Branch.values()) {
            String kind = branch.kind();
            assertThat(FakeIttybit.tasks(mediaId, kind)).as(kind + ": a new task for the new round").hasSize(2)
                    .extracting(FakeIttybit.Task::idempotencyKey).doesNotHaveDuplicates();
        }
        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("ready");
        String secondGifTask = FakeIttybit.tasks(mediaId, "video").stream().map(FakeIttybit.Task::id)
                .filter(id -> !id.equals(firstGifTask)).findFirst().orElseThrow();
        assertThat(media.getString("gifUrl")).isEqualTo(FakeIttybit.outputUrl(mediaId, "video", secondGifTask));
        given().post("/media/nope-" + mediaId + "/reprocess").then().statusCode(404).body("code", equalTo("not_found"));
    }

    private static List<JsonNode> eventsFor(String name, String mediaId) {
        return MediaFixture.eventsFor(name, mediaId);
    }

    /** The Inngest sleeps of a run (its {@code Sleep} pauses) among the branch's steps, by step hash. */
    private static List<ExecutorEmulator.Pause> sleeps(ExecutorEmulator.Run run, String... stepIds) {
        List<String> hashes = Arrays.stream(stepIds).map(io.mediafanout.inngest.TestHashes::of).toList();
        return run.pauses().stream().filter(p -> hashes.contains(p.id())).toList();
    }

    @Test
    void aRateLimitedCreateEndsItsStepAndInngestSleepsBeforeTheSameKeyIsSentAgain() throws Exception {
        String mediaId = newMediaId();
        FakeIttybit.script(mediaId, "image").createFaults(429, 429).retryAfter = "3";
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).as("output: " + run.output()).isEqualTo("completed");
        List<RecordingHttpServer.Recorded> creates = FakeIttybit.creates(mediaId, "image");
        assertThat(creates).hasSize(3).extracting(r -> r.header("idempotency-key")).doesNotContainNull()
                .containsOnly(creates.get(0).header("idempotency-key"));
        assertThat(FakeIttybit.tasks(mediaId, "image")).hasSize(1);
        // each wait is Inngest's: a sleep of 3 s to 1.5 times that, then the create again in a step of its own
        assertThat(sleeps(run, "poster-image-rl1-wait", "poster-image-rl2-wait")).hasSize(2).allSatisfy(p ->
                assertThat(p.scheduledMillis()).isBetween(3_000L, 4_500L));
        assertThat(run.steps()).containsKeys(TestHashes.of("poster-image-rl1"),
                TestHashes.of("poster-image-rl2"));
        // no attempt of Inngest's spent, and no call held for the wait
        assertThat(run.calls()).allSatisfy(c -> {
            assertThat(c.ops()).doesNotContain("StepError", "StepFailed");
            assertThat(c.attempt()).isZero();
            assertThat(c.durationMillis()).isLessThan(3_000);
        });
        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("ready");
        // the creates tried again after the waits are the branch's one attempt, not three
        assertThat(media.getInt("branches.find { it.name == 'poster-image' }.attempts")).isEqualTo(1);
    }

    @Test
    void shortRateLimitsThatOutlastTheRetryPolicyEndTheStepAsARateLimitInsteadOfSpendingAnAttempt() throws Exception {
        String mediaId = newMediaId();
        // Retry-After: 0 is waited out inside the call, and the branch's policy tries again (4 retries by default):
        // one 429 more than the policy's tries, and Inngest holds the next wait as for a long one
        FakeIttybit.script(mediaId, "image").createFaults(429, 429, 429, 429, 429).retryAfter = "0";
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).as("output: " + run.output()).isEqualTo("completed");
        assertThat(FakeIttybit.creates(mediaId, "image")).hasSize(6).extracting(r -> r.header("idempotency-key"))
                .containsOnly(FakeIttybit.creates(mediaId, "image").get(0).header("idempotency-key"));
        assertThat(FakeIttybit.tasks(mediaId, "image")).hasSize(1);
        assertThat(sleeps(run, "poster-image-rl1-wait")).hasSize(1);
        assertThat(run.calls()).allSatisfy(c -> {
            assertThat(c.ops()).doesNotContain("StepError", "StepFailed");
            assertThat(c.attempt()).isZero();
        });
        assertThat(media(mediaId).getString("status")).isEqualTo("ready");
    }

    /** A read answered 429, or 503 with Retry-After, as a create is. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = { 429, 503 })
    void aRateLimitedReadIsWaitedOutByInngestAndTheSameTaskIsReadAgain(int status) throws Exception {
        String mediaId = newMediaId();
        FakeIttybit.Script script = FakeIttybit.script(mediaId, "video").readFaults(status);
        script.retryAfterOn503 = true;
        script.retryAfter = "2";
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).as("output: " + run.output()).isEqualTo("completed");
        assertThat(FakeIttybit.creates(mediaId, "video")).hasSize(1);
        assertThat(sleeps(run, "gif-preview-rl1-wait")).singleElement()
                .satisfies(p -> assertThat(p.scheduledMillis()).isBetween(2_000L, 3_000L));
        assertThat(run.steps()).containsKey(TestHashes.of("gif-preview-result-rl1"));
        assertThat(run.calls()).allSatisfy(c -> assertThat(c.ops()).doesNotContain("StepError"));
        assertThat(media(mediaId).getString("status")).isEqualTo("ready");
    }

    @Test
    void aRetryAfterOfAFractionOfASecondIsWaitedInsideTheCall() throws Exception {
        String mediaId = newMediaId();
        FakeIttybit.script(mediaId, "image").createFaults(429).retryAfter = "0";
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(FakeIttybit.creates(mediaId, "image")).hasSize(2);
        assertThat(FakeIttybit.tasks(mediaId, "image")).hasSize(1);
        assertThat(run.steps()).doesNotContainKey(TestHashes.of("poster-image-rl1-wait"));
    }

    @Test
    void aBranchStillRateLimitedAfterItsWaitsFailsForGoodAsIttybitRateLimited() throws Exception {
        String mediaId = newMediaId();
        int waits = ConfigProvider.getConfig()
                .getValue("media.ittybit.rate-limit.max-waits", Integer.class);
        Integer[] limited = new Integer[waits + 1];
        Arrays.fill(limited, 429);
        FakeIttybit.script(mediaId, "image").createFaults(limited).retryAfter = "1";
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("failed");
        assertThat(run.output().path("message").asText()).startsWith("poster-image: Ittybit rate limit")
                .contains("media.ittybit.rate-limit.max-waits");
        assertThat(run.calls().get(run.calls().size() - 1).noRetry()).as("not retriable").isEqualTo("true");
        assertThat(FakeIttybit.creates(mediaId, "image")).hasSize(waits + 1);
        assertThat(FakeIttybit.tasks(mediaId, "image")).isEmpty();
        assertThat(sleeps(run, IntStream.rangeClosed(1, waits)
                .mapToObj(w -> "poster-image-rl" + w + "-wait").toArray(String[]::new))).hasSize(waits);

        assertThat(fixture().runFailureHandler(mediaId, run).status()).isEqualTo("completed");
        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("failed");
        assertThat(media.getString("error.code")).isEqualTo("ittybit_rate_limited");
        assertThat(media.getString("branches.find { it.name == 'poster-image' }.error.code"))
                .isEqualTo("ittybit_rate_limited");
    }

    @Test
    void aCreateStepRetriedAfterItsTaskWasCreatedFindsTheSameTask() throws Exception {
        String mediaId = newMediaId();
        // the first step attempt's five tries (the client's retries): four 503s, then an answer that comes after the
        // client's read timeout, so the task exists and the step fails; Inngest's retry of the step finds that task
        FakeIttybit.Script script = FakeIttybit.script(mediaId, "audio").createFaults(503, 503, 503, 503);
        script.slowCreates = 1;
        script.slowBy = Duration.ofMillis(ConfigProvider.getConfig()
                .getValue("quarkus.rest-client.ittybit.read-timeout", Long.class) + 1_000);
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("completed");
        List<RecordingHttpServer.Recorded> creates = FakeIttybit.creates(mediaId, "audio");
        assertThat(creates).as("five tries, then the retried step's").hasSize(6);
        assertThat(creates).extracting(r -> r.header("idempotency-key")).doesNotContainNull().containsOnly(
                creates.get(0).header("idempotency-key"));
        assertThat(FakeIttybit.tasks(mediaId, "audio")).hasSize(1);
        assertThat(run.callsFor(TestHashes.of("audio-transcription")))
                .extracting(ExecutorEmulator.Call::ops).contains(List.of("StepError"), List.of("StepRun"));
        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("ready");
        assertThat(media.getInt("branches.find { it.name == 'audio-transcription' }.attempts")).isEqualTo(2);
    }

    @Test
    void aReadStepThatFailsIsRetriedAloneWithoutCreatingTheTaskAgain() throws Exception {
        String mediaId = newMediaId();
        // reads fail more often than the in-process retries allow: the read step fails once, then succeeds
        FakeIttybit.script(mediaId, "audio").readFaults(500, 500, 500, 500, 500, 500);
        ExecutorEmulator.Run run = run(mediaId);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(FakeIttybit.creates(mediaId, "audio")).hasSize(1);
        assertThat(run.callsFor(TestHashes.of("audio-transcription"))).hasSize(1);
        assertThat(run.callsFor(TestHashes.of("audio-transcription-result")))
                .extracting(ExecutorEmulator.Call::ops).contains(List.of("StepError"), List.of("StepRun"));
        assertThat(media(mediaId).getString("status")).isEqualTo("ready");
    }

    /** Events another app sent (our API never sends these): bad data is refused where the run starts. */
    @Test
    void badEventDataFromAnotherAppFailsAtOnceWithoutCallingIttybit() throws Exception {
        int before = FakeIttybit.server().received().size();
        String sourceUrl = "https://uploads.example/x.mp4";
        for (ObjectNode data : List.of(JSON.createObjectNode().put("sourceUrl", sourceUrl),
                JSON.createObjectNode().put("mediaId", "m-ftp").put("sourceUrl", "ftp://x"),
                JSON.createObjectNode().put("mediaId", 42).put("sourceUrl", sourceUrl),
                JSON.createObjectNode().put("mediaId", "").put("sourceUrl", sourceUrl))) {
            String body = "{\"event\":{\"name\":\"video/uploaded\",\"data\":" + data + ",\"id\":\"e\",\"ts\":1,\"user\":{}},"
                    + "\"steps\":{},\"ctx\":{\"run_id\":\"r\",\"attempt\":0,\"max_attempts\":4,\"stack\":{\"stack\":[]},"
                    + "\"disable_immediate_execution\":false,\"use_api\":false},\"version\":-1}";
            given().body(body).contentType("application/json").post("/api/inngest?fnId=" + FN + "&stepId=step")
                    .then().statusCode(400)
                    .header("X-Inngest-No-Retry", "true")
                    .body("name", equalTo("NonRetriableError"))
                    .body("message", org.hamcrest.Matchers.startsWith("invalid video/uploaded event: "));
        }
        assertThat(FakeIttybit.server().received()).hasSize(before);
    }

    @Test
    void aFailureReportedAfterTheRecordIsReadyNeverAnnouncesMediaFailed() throws Exception {
        String mediaId = newMediaId();
        ExecutorEmulator.Run run = run(mediaId);
        assertThat(run.status()).isEqualTo("completed");

        // the run failed after assemble (say its media-ready step did): Inngest still calls the failure handler
        ExecutorEmulator.Run handler = runFailureHandler(mediaId, run);

        assertThat(handler.status()).isEqualTo("completed");
        assertThat(handler.output().asText()).isEqualTo("not failed: ready");
        assertThat(media(mediaId).getString("status")).isEqualTo("ready");
        assertThat(eventsFor("media/failed", mediaId)).isEmpty();
    }
}
