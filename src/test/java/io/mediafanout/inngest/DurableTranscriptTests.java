package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.Transcript;
import io.mediafanout.testing.Transcripts;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Replays scenario W (dev mode): {@code step.waitForEvent}, {@code step.sleep} and {@code step.sendEvent} as the
 * official TypeScript SDK encodes them, against {@code durable-branches}.
 */
@QuarkusTest
@TestProfile(DurableReferenceProfile.class)
class DurableTranscriptTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @BeforeEach
    void eventApiAnswersAsTheRecordedOne() {
        FakeInngestApi.reset();
        JsonNode reply = Transcript.load(Transcripts.W_EVENT_API).root().path("requests").get(0)
                .path("mockReplied").path("body");
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(200, reply.toString()));
    }

    static Stream<String> transcripts() {
        return Stream.concat(Transcripts.DURABLE_BRANCH_CALLS.stream(),
                Stream.of(Transcripts.DURABLE_BRANCH_INTROSPECTION));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void answersLikeTheTypeScriptSdk(String file) throws Exception {
        Transcript transcript = Transcript.load(file);
        Conformance.assertConforms(transcript, Conformance.replay(transcript, serveUrl), null);
    }

    @Test
    void sendEventPostsTheSameEventsToTheEventApiAsTheTypeScriptSdk() throws Exception {
        for (String[] pair : List.of(new String[] { "66-W-post-discovery-send-event-die-false.json",
                "67-W-mockapi-send-event.json" }, new String[] { "69-W-post-run-media-ready.json",
                        "70-W-mockapi-send-event-targeted.json" })) {
            FakeInngestApi.server().clearRecords();
            Transcript call = Transcript.load(pair[0]);
            Conformance.assertConforms(call, Conformance.replay(call, serveUrl), null);

            JsonNode recorded = Transcript.load(pair[1]).root().path("requests").get(0);
            List<RecordingHttpServer.Recorded> sent = FakeInngestApi.server().received(r -> r.path().startsWith("/e/"));
            assertThat(sent).as(pair[0]).hasSize(1);
            assertThat(sent.get(0).method()).isEqualTo("POST");
            assertThat(sent.get(0).path()).isEqualTo(recorded.path("url").asText());
            assertThat(sent.get(0).header("x-inngest-event-id-seed")).isNotBlank();
            JsonNode ours = JSON.readTree(sent.get(0).body());
            JsonNode theirs = recorded.path("bodyJson");
            assertThat(ours.isArray()).isTrue();
            assertThat(ours).hasSize(1);
            assertThat(ours.get(0).path("name")).isEqualTo(theirs.get(0).path("name"));
            assertThat(ours.get(0).path("data")).isEqualTo(theirs.get(0).path("data"));
            assertThat(ours.get(0).path("ts").isIntegralNumber()).isTrue();
        }
    }

    @Test
    void aPendingWaitIsReportedAgainOnEveryDiscoveryCallUntilInngestMemoisesIt() throws Exception {
        // 61 memoised the hls create step only: discovery reports both waits again, and poster's create step
        Transcript discovery = Transcript.load("60-W-post-discovery-no-state.json");
        ObjectMapper json = new ObjectMapper();
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(discovery.requestBody());
        JsonNode created = json.readTree(Transcript.load("61-W-post-run-hls-package.json").responseBody()).get(0);
        body.with("steps").putObject(created.path("id").asText()).set("data", created.path("data"));
        body.with("ctx").put("disable_immediate_execution", true);
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(URI.create(serveUrl + "?fnId=media-pipeline-durable-branches&stepId=step"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(206);
        JsonNode ops = json.readTree(response.body());
        assertThat(ops.findValuesAsText("op")).containsExactly("WaitForEvent", "WaitForEvent", "StepPlanned");
        assertThat(ops.findValuesAsText("displayName")).containsExactly("hls-package-ended", "poster-image-ended",
                "poster-image");
    }
}
