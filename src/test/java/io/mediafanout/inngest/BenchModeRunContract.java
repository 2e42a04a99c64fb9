package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.execution.StepIds;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * Whole runs of the functions served in benchmark mode, driven by the executor emulator, which holds their waits
 * and sleeps as Inngest does; run in dev mode and in signed cloud mode by the two subclasses.
 */
abstract class BenchModeRunContract {

    static final String APP = "media-pipeline-";
    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    abstract Optional<String> signingKey();

    @BeforeEach
    void resetEventApi() {
        FakeInngestApi.reset();
    }

    private ExecutorEmulator emulator(String fn, int retries) {
        return new ExecutorEmulator(serveUrl, APP + fn, signingKey(), retries, Duration.ofMillis(100));
    }

    private static ObjectNode upload(String mediaId) {
        return JSON.createObjectNode().put("mediaId", mediaId)
                .put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4");
    }

    private static ObjectNode taskEnded(String mediaId, String branch) {
        ObjectNode event = JSON.createObjectNode().put("name", "ittybit/task.ended").put("id", "ended-" + mediaId + branch);
        event.putObject("data").put("key", mediaId + ":" + branch + ":0").put("taskId", "task_" + branch)
                .put("status", "completed");
        return event;
    }

    @Test
    void benchModeServesOnlyTheReferenceShapedFunctionsAndTheTwinHonoursFailStep() throws Exception {
        if (signingKey().isEmpty()) { // unsigned introspection shows the count in dev mode only
            var introspection = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(serveUrl).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            org.assertj.core.api.Assertions.assertThat(JSON.readTree(introspection.body()).path("function_count").asInt())
                    .as("fanout-adaptive-streaming twin, durable-branches, repeat-demo").isEqualTo(3);
        }

        ExecutorEmulator.Run failing;
        try (ExecutorEmulator emulator = emulator("fanout-adaptive-streaming", 3)) {
            failing = emulator.run("video/uploaded", upload("bench-fail").put("failStep", "gif-preview"));
        }
        org.assertj.core.api.Assertions.assertThat(failing.status()).isEqualTo("failed");
        org.assertj.core.api.Assertions.assertThat(failing.output().path("message").asText())
                .isEqualTo("media API failed for gif-preview (simulated)");
    }

    @Test
    void durableBranchesWhoseTasksEndDuringTheCreateStepsCompleteWithoutSleeping() throws Exception {
        String mediaId = "vid_" + UUID.randomUUID().toString().substring(0, 8);
        try (ExecutorEmulator emulator = emulator("durable-branches", 3)) {
            // each task "ends" while its create step runs: the pause, created first, must catch the event
            emulator.beforeCall((stepId, attempt) -> {
                for (String branch : List.of("hls-package", "poster-image")) {
                    if (stepId.equals(StepIds.hash(branch))) {
                        emulator.deliver(List.of(taskEnded(mediaId, branch)));
                    }
                }
            });
            ExecutorEmulator.Run run = emulator.run("video/uploaded", upload(mediaId));

            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.output()).isEqualTo(JSON.createObjectNode().put("mediaId", mediaId)
                    .put("hlsUrl", "https://cdn.example/" + mediaId + "/hls-package")
                    .put("posterUrl", "https://cdn.example/" + mediaId + "/poster-image"));
            JsonNode matched = run.steps().get(StepIds.hash("hls-package-ended"));
            assertThat(matched.path("name").asText()).as("the whole event is memoised").isEqualTo("ittybit/task.ended");
            assertThat(matched.path("data").path("key").asText()).isEqualTo(mediaId + ":hls-package:0");
            assertThat(run.pauses()).extracting(ExecutorEmulator.Pause::op).doesNotContain("Sleep");
            assertThat(run.calls().get(0).ops())
                    .containsExactly("WaitForEvent", "StepPlanned", "WaitForEvent", "StepPlanned");
        }
        List<JsonNode> sent = FakeInngestApi.receivedEvents().stream()
                .filter(e -> e.path("name").asText().equals("media/ready")).toList();
        assertThat(sent).singleElement().satisfies(e -> assertThat(e.path("data").path("mediaId").asText())
                .isEqualTo(mediaId));
    }

    @Test
    void durableBranchesWhoseWaitsTimeOutSleepThenReadTheResult() throws Exception {
        String mediaId = "vid_" + UUID.randomUUID().toString().substring(0, 8);
        // the waits time out (no event comes): their idle time is skipped
        try (ExecutorEmulator emulator = emulator("durable-branches", 3).timeScale(0.0005).skipIdleTime()) {
            ExecutorEmulator.Run run = emulator.run("video/uploaded", upload(mediaId));

            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.steps().get(StepIds.hash("hls-package-ended")).isNull()).as("a timed-out wait is null")
                    .isTrue();
            assertThat(run.pausesFor(StepIds.hash("hls-package-backoff"))).singleElement()
                    .satisfies(p -> assertThat(p.outcome()).isEqualTo("elapsed"));
            assertThat(run.output().path("posterUrl").asText()).isEqualTo("https://cdn.example/" + mediaId + "/poster-image");
        }
    }

    @Test
    void repeatDemoIndexesRepeatedStepIdsInOrderAlsoInParallel() throws Exception {
        try (ExecutorEmulator emulator = emulator("repeat-demo", 0)) {
            ExecutorEmulator.Run run = emulator.run("demo/repeat", JSON.createObjectNode());

            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.output()).isEqualTo(JSON.readTree("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}"));
            assertThat(run.steps()).containsOnlyKeys(StepIds.hash("dup"), StepIds.hash("dup:1"), StepIds.hash("par"),
                    StepIds.hash("par:1"));
            assertThat(run.steps().get(StepIds.hash("par:1")).path("data").asInt()).isEqualTo(4);
        }
    }
}
