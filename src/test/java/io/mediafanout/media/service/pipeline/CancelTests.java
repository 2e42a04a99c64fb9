package io.mediafanout.media.service.pipeline;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.serve.InngestFunctions;
import io.mediafanout.media.MediaFixture;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * {@code DELETE /media/{id}}: the record becomes cancelled and {@code media/cancelled} stops its run through the
 * function's {@code cancelOn}, as Inngest (the executor emulator) applies it from the sync configuration.
 */
@QuarkusTest
class CancelTests {

    static final String FN = MediaFixture.FANOUT;
    static final ObjectMapper JSON = MediaFixture.JSON;

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Inject
    InngestFunctions functions;

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    private MediaFixture fixture() {
        return MediaFixture.of(serveUrl);
    }

    private static String newId() {
        return MediaFixture.newId("can");
    }

    private JsonNode syncConfig() {
        for (JsonNode fn : functions.configs(JSON, serveUrl.toString())) {
            if (fn.path("id").asText().equals(FN)) {
                return fn;
            }
        }
        throw new AssertionError(FN + " is not served");
    }

    /** {@code POST /media}: the record, and the {@code video/uploaded} the API sent for it. */
    private JsonNode upload(String id) {
        return fixture().upload(id);
    }

    private static JsonPath media(String id) {
        return MediaFixture.media(id);
    }

    @Test
    void theFunctionDeclaresItsCancellationInTheSyncPayloadAsTheOfficialSdk() {
        JsonNode cancel = syncConfig().path("cancel");

        assertThat(cancel).hasSize(1);
        assertThat(cancel.get(0).path("event").asText()).isEqualTo("media/cancelled");
        assertThat(cancel.get(0).path("if").asText()).isEqualTo("event.data.mediaId == async.data.mediaId");
    }

    @Test
    void cancellingDuringTheWaitsStopsTheRunKeepsFinishedOutputsAndCallsIttybitNoMore() throws Exception {
        String id = newId();
        FakeIttybit.script(id, "video").completeAfter(Duration.ofMinutes(10));
        JsonNode uploaded = upload(id);
        // Inngest time at a tenth: the three short branches end within a second, the GIF's reads continue
        ExecutorEmulator emulator = fixture().emulator(FN, 3).cancelOn(syncConfig()).timeScale(0.1);
        CompletableFuture<ExecutorEmulator.Run> running = CompletableFuture.supplyAsync(() -> {
            try {
                return emulator.runEvent(uploaded);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await("three branches finish").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> media(id).getList("branches.status").stream().filter("completed"::equals).count() >= 3);

        JsonPath cancelled = given().delete("/media/" + id).then().statusCode(200)
                .body("status", equalTo("cancelled")).body("error.code", equalTo("cancelled"))
                .extract().jsonPath();
        int ittybitCallsAtTheCancel = FakeIttybit.requests(id).size();
        ExecutorEmulator.Run run = running.get(30, TimeUnit.SECONDS);

        assertThat(run.status()).isEqualTo("cancelled");
        // the cancel stopped the run at once: after it, at most the read of the GIF task that a call already in
        // flight was making (the run would read it again every few seconds, for minutes, had it gone on)
        String gifTask = FakeIttybit.tasks(id, "video").get(0).id();
        List<RecordingHttpServer.Recorded> calls = FakeIttybit.requests(id);
        List<RecordingHttpServer.Recorded> afterTheCancel = calls.subList(ittybitCallsAtTheCancel, calls.size());
        assertThat(afterTheCancel).as("Ittybit calls after the cancel").hasSizeLessThanOrEqualTo(1)
                .allSatisfy(r -> assertThat(r.method() + " " + r.path()).isEqualTo("GET /tasks/" + gifTask));
        assertThat(cancelled.getString("posterUrl")).isNotNull();
        assertThat(cancelled.getString("hlsUrl")).isNotNull();
        assertThat(cancelled.getString("gifUrl")).as("the branch still running made nothing").isNull();
        assertThat(media(id).getString("status")).isEqualTo("cancelled");
        assertThat(run.calls()).extracting(ExecutorEmulator.Call::stepId).doesNotContain(
                io.mediafanout.inngest.TestHashes.of("assemble"));
    }

    @Test
    void cancellingTwiceAnswersTheSameRecordAndSendsOneEvent() {
        String id = newId();
        upload(id);

        given().delete("/media/" + id).then().statusCode(200).body("status", equalTo("cancelled"));
        given().delete("/media/" + id).then().statusCode(200).body("status", equalTo("cancelled"));

        List<JsonNode> cancels = FakeInngestApi.receivedEvents().stream()
                .filter(e -> e.path("name").asText().equals("media/cancelled")).toList();
        assertThat(cancels).hasSize(1);
        assertThat(cancels.get(0).path("data").path("mediaId").asText()).isEqualTo(id);
        assertThat(FakeInngestApi.duplicateEventsIgnored()).isEqualTo(1);
    }

    @Test
    void aCancelledRecordGetsNoNewTaskShouldItsRunGoOn() throws Exception {
        String id = newId();
        JsonNode uploaded = upload(id);
        given().delete("/media/" + id).then().statusCode(200);

        // the cancel never reached this run (no cancelOn): its first steps refuse to create tasks
        ExecutorEmulator.Run run = fixture().emulator(FN, 3).runEvent(uploaded);

        // failed because the record is cancelled (not for any other reason), at once and for good, before Ittybit
        assertThat(run.status()).isEqualTo("failed");
        assertThat(run.output().path("name").asText()).isEqualTo("NonRetriableError");
        assertThat(run.output().path("message").asText()).startsWith("media " + id + " was cancelled: ")
                .endsWith(" creates no task");
        assertThat(run.calls()).as("no call retried").allSatisfy(c -> assertThat(c.attempt()).isZero());
        assertThat(run.calls()).as("the branches' first steps").filteredOn(c -> !c.stepId().equals("step")).isNotEmpty()
                .allSatisfy(c -> {
                    assertThat(c.ops()).containsExactly("StepFailed");
                    assertThat(c.errorMessage()).startsWith("media " + id + " was cancelled: ");
                });
        assertThat(FakeIttybit.requests(id)).as("Ittybit calls").isEmpty();
        assertThat(media(id).getString("status")).isEqualTo("cancelled");
    }

    /**
     * The cancel commits while the branches' first steps wait for the record's row (the cancel holds it): each step
     * reads the record as the cancel left it, not as it was when its statement began, and creates no task.
     */
    @Test
    void aCancelCommittedWhileTheFirstStepsWaitForTheRecordCreatesNoTask() throws Exception {
        String id = newId();
        JsonNode uploaded = upload(id);
        try (java.sql.Connection cancel = MediaFixture.database(); java.sql.Connection watch = MediaFixture.database();
                var waiting = watch.prepareStatement("select count(*) from pg_stat_activity where datname = "
                        + "current_database() and wait_event_type = 'Lock' and query ilike '%media_branch%'")) {
            cancel.setAutoCommit(false);
            try (var update = cancel.prepareStatement("update media set status = 'cancelled', updated_at = now() "
                    + "where id = ?")) {
                update.setString(1, id);
                assertThat(update.executeUpdate()).isEqualTo(1);
            }
            CompletableFuture<ExecutorEmulator.Run> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return fixture().emulator(FN, 3).runEvent(uploaded);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await("a branch's first step waiting for the record").atMost(Duration.ofSeconds(30)).until(() -> {
                try (var rows = waiting.executeQuery()) {
                    return rows.next() && rows.getInt(1) > 0;
                }
            });
            cancel.commit();

            ExecutorEmulator.Run done = run.get(60, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo("failed");
            assertThat(done.output().path("message").asText()).startsWith("media " + id + " was cancelled: ");
        }
        assertThat(FakeIttybit.requests(id)).as("Ittybit calls").isEmpty();
    }

    @Test
    void aRecordCancelledWhileItsBranchWaitsOutARateLimitGetsNoTaskWhenTheCreateIsTriedAgain() throws Exception {
        String id = newId();
        JsonNode uploaded = upload(id);
        FakeIttybit.script(id, "image").createFaults(429).retryAfter = "1";
        AtomicBoolean cancelled = new AtomicBoolean();

        // the cancel never reached this run (no cancelOn); it comes once the other branches have their tasks, while
        // poster-image sleeps after its 429
        ExecutorEmulator.Run run = fixture().emulator(FN, 3).beforeCall((stepId, attempt) -> {
            if (FakeIttybit.tasks(id).size() == 3 && FakeIttybit.creates(id, "image").size() == 1
                    && cancelled.compareAndSet(false, true)) {
                given().delete("/media/" + id).then().statusCode(200);
            }
        }).runEvent(uploaded);

        assertThat(cancelled).isTrue();
        assertThat(run.status()).isEqualTo("failed");
        assertThat(run.output().path("message").asText()).isEqualTo("media " + id + " was cancelled: poster-image "
                + "creates no task");
        assertThat(FakeIttybit.creates(id, "image")).as("the rate-limited create only").hasSize(1);
        assertThat(FakeIttybit.tasks(id, "image")).isEmpty();
        assertThat(media(id).getString("status")).isEqualTo("cancelled");
    }

    @Test
    void anUnknownRecordIsA404AndAReadyOneA409() throws Exception {
        given().delete("/media/" + newId()).then().statusCode(404).body("code", equalTo("not_found"));
        given().delete("/media/bad id!").then().statusCode(404);

        String id = newId();
        assertThat(fixture().run(id).status()).isEqualTo("completed");
        given().delete("/media/" + id).then().statusCode(409).body("code", equalTo("conflict"));
        assertThat(media(id).getString("status")).isEqualTo("ready");
    }

    @Test
    void aCancelledRecordCanBeProcessedAgain() {
        String id = newId();
        upload(id);
        given().delete("/media/" + id).then().statusCode(200);

        given().post("/media/" + id + "/reprocess").then().statusCode(202).body("status", equalTo("processing"));
    }
}
