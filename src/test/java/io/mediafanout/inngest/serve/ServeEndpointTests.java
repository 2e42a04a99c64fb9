package io.mediafanout.inngest.serve;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.InngestClient;
import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.execution.StepIds;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.ReferenceAppProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Behaviour of the serve endpoint and the event client beyond the recorded transcripts (dev mode). */
@QuarkusTest
@TestProfile(ReferenceAppProfile.class)
class ServeEndpointTests {

    static final String FN = "media-pipeline-fanout-adaptive-streaming";
    static final String EVENT = "{\"name\":\"video/uploaded\",\"data\":{\"mediaId\":\"m1\",\"sourceUrl\":\"https://uploads.example/m1.mp4\"},\"id\":\"e1\",\"ts\":1,\"user\":{}}";

    @Inject
    InngestClient events;

    @Inject
    ObjectMapper json;

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    private static String call(String steps, boolean useApi, String runId) {
        return "{\"event\":" + EVENT + ",\"events\":[" + EVENT + "],\"steps\":" + steps + ",\"ctx\":{\"run_id\":\""
                + runId + "\",\"attempt\":0,\"max_attempts\":4,\"stack\":{\"stack\":[],\"current\":0},"
                + "\"disable_immediate_execution\":false,\"use_api\":" + useApi + "},\"version\":2,\"use_api\":false}";
    }

    private static String memo(String step, String value) {
        return "\"" + StepIds.hash(step) + "\":{\"data\":" + value + "}";
    }

    private static final String TASK = "{\"id\":\"t\",\"status\":\"completed\",\"input\":\"i\",\"output\":{\"url\":\"u\"}}";

    @Test
    void aStepTheFunctionNeverReachesIsAnsweredAsSoonAsTheFunctionSettles() {
        long start = System.nanoTime();
        given().body(call("{}", false, "r1")).contentType("application/json")
                .post("/api/inngest?fnId=" + FN + "&stepId=" + StepIds.hash("no-such-step"))
                .then().statusCode(500)
                .header("X-Inngest-No-Retry", "false")
                .body("requestedStep", equalTo(StepIds.hash("no-such-step")))
                .body("totalFoundSteps", equalTo(4))
                .body("foundSteps[0].name", equalTo("hls-package"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aTargetedCallWhoseFunctionReturnsFirstAnswersWithTheResult() {
        String steps = "{" + String.join(",", memo("hls-package", TASK), memo("poster-image", TASK),
                memo("gif-preview", TASK), memo("audio-transcription", TASK),
                memo("assemble", "{\"id\":\"m1\",\"status\":\"ready\"}")) + "}";
        given().body(call(steps, false, "r2")).contentType("application/json")
                .post("/api/inngest?fnId=" + FN + "&stepId=" + StepIds.hash("hls-package"))
                .then().statusCode(200).body("status", equalTo("ready"));
    }

    @Test
    void fetchesEventsAndStepsFromTheApiWhenAskedTo() {
        String steps = "{" + String.join(",", memo("hls-package", TASK), memo("poster-image", TASK),
                memo("gif-preview", TASK), memo("audio-transcription", TASK)) + "}";
        FakeInngestApi.runPayload("r-large", "[" + EVENT + "]", steps);
        // the body carries no steps; the four memoised branches come from the API, so assemble runs at once
        given().body(call("{}", true, "r-large")).contentType("application/json")
                .post("/api/inngest?fnId=" + FN + "&stepId=step")
                .then().statusCode(206)
                .body("[0].op", equalTo("StepRun"))
                .body("[0].name", equalTo("assemble"))
                .body("[0].data.id", equalTo("m1"));
        assertThat(FakeInngestApi.server().received(r -> r.path().startsWith("/v0/runs/r-large/")))
                .extracting(RecordingHttpServer.Recorded::path)
                .containsExactlyInAnyOrder("/v0/runs/r-large/batch", "/v0/runs/r-large/actions");
    }

    @Test
    void aRunWhoseDataCannotBeFetchedFailsWithARetriableError() {
        given().body(call("{}", true, "r-gone")).contentType("application/json")
                .post("/api/inngest?fnId=" + FN + "&stepId=step")
                .then().statusCode(500)
                .body("message", containsString("failed to fetch the run's data"));
    }

    @Test
    void anUnparsableBodyGets400WithAJsonReasonWithoutInternals() {
        given().body("{not json").contentType("application/json")
                .post("/api/inngest?fnId=" + FN + "&stepId=step")
                .then().statusCode(400)
                .body("message", containsString("not valid JSON"))
                .body(not(containsString("Exception")))
                .body(not(containsString("at io.")));
    }

    @Test
    void aBodyNestedDeeperThanTheParserAllowsGets400BeforeAnyParsing() {
        String deep = "{\"event\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        // octet-stream: RestAssured would pretty-print a JSON body this deep in its logs
        given().body(deep.getBytes()).contentType("application/octet-stream")
                .post("/api/inngest?fnId=" + FN + "&stepId=step")
                .then().statusCode(400)
                .body("message", containsString("nests deeper than 1000 levels"));
    }

    @Test
    void otherMethodsAreNotAllowed() {
        for (String method : List.of("PATCH", "OPTIONS", "DELETE")) {
            given().request(method, "/api/inngest").then().statusCode(405)
                    .body("message", equalTo("Method not allowed"))
                    .header("X-Inngest-SDK", InngestEnvironment.SDK);
        }
    }

    @Test
    void anUnknownProbeIsABadRequest() {
        given().body("{}").contentType("application/json").post("/api/inngest?probe=other")
                .then().statusCode(400).body("message", containsString("unknown probe"));
    }

    @Test
    void syncPassesTheDeployIdAndServerKindOnAndAdvertisesOurUrl() throws Exception {
        given().header("X-Inngest-Server-Kind", "dev").put("/api/inngest?deployId=d-42")
                .then().statusCode(200).header("x-inngest-sync-kind", "out_of_band")
                .body("modified", equalTo(true));
        RecordingHttpServer.Recorded registration = FakeInngestApi.server()
                .received(r -> r.path().equals("/fn/register")).get(0);
        assertThat(registration.query()).isEqualTo("deployId=d-42");
        assertThat(registration.header("x-inngest-expected-server-kind")).isEqualTo("dev");
        JsonNode body = json.readTree(registration.body());
        assertThat(body.path("url").asText()).endsWith("/api/inngest").doesNotContain("deployId");
        assertThat(body.path("functions").get(0).path("steps").path("step").path("runtime").path("url").asText())
                .endsWith("/api/inngest?fnId=" + FN + "&stepId=step");
    }

    @Test
    void aRefusedSyncIsReportedAs500WithInngestsReason() {
        FakeInngestApi.server().route("POST", "/fn/register",
                r -> RecordingHttpServer.Reply.json(400, "{\"error\":\"app name taken\",\"status\":400}"));
        given().put("/api/inngest").then().statusCode(500)
                .body("message", equalTo("app name taken"))
                .body("modified", equalTo(false));
    }

    @Test
    void inBandSyncWithAnUnexpectedBodyIsRejected() {
        given().header("x-inngest-sync-kind", "in_band").body("{\"url\":\"http://x/api/inngest\",\"more\":1}")
                .put("/api/inngest").then().statusCode(400).body("code", equalTo("invalid_request"));
    }

    @Test
    void sendsEventsAndReturnsTheirIds() throws Exception {
        String id = events.send(Event.of("video/uploaded", json.createObjectNode().put("mediaId", "m9"), "upload-m9"))
                .await().atMost(Duration.ofSeconds(10));
        assertThat(id).startsWith("01EVENT");
        RecordingHttpServer.Recorded sent = FakeInngestApi.server().received(r -> r.path().startsWith("/e/")).get(0);
        assertThat(sent.path()).isEqualTo("/e/" + InngestClient.DEV_EVENT_KEY);
        assertThat(sent.header("x-inngest-event-id-seed")).matches("\\d+,.+");
        JsonNode body = json.readTree(sent.body());
        assertThat(body.get(0).path("name").asText()).isEqualTo("video/uploaded");
        assertThat(body.get(0).path("id").asText()).isEqualTo("upload-m9");
        assertThat(body.get(0).path("data").path("mediaId").asText()).isEqualTo("m9");
        assertThat(body.get(0).path("ts").asLong()).isPositive();
    }

    @Test
    void retriesSendingEventsOnTransientErrorsOnly() {
        int[] calls = { 0 };
        FakeInngestApi.server().route("POST", "/e/", r -> ++calls[0] < 3
                ? RecordingHttpServer.Reply.json(503, "{\"error\":\"busy\"}")
                : RecordingHttpServer.Reply.json(200, "{\"ids\":[\"ok\"],\"status\":200}"));
        assertThat(events.send(Event.of("x/y", null, null)).await().atMost(Duration.ofSeconds(10))).isEqualTo("ok");
        assertThat(calls[0]).isEqualTo(3);

        calls[0] = 0;
        FakeInngestApi.server().route("POST", "/e/", r -> {
            calls[0]++;
            return RecordingHttpServer.Reply.json(401, "{\"error\":\"Event key not found\"}");
        });
        assertThat(events.send(Event.of("x/y", null, null)).onFailure().recoverWithItem(Throwable::getMessage)
                .await().atMost(Duration.ofSeconds(10))).isEqualTo("event key not found (401)");
        assertThat(calls[0]).isEqualTo(1);
    }
}
