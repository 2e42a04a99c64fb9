package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.execution.StepIds;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * Whole runs of the reference function driven by the executor emulator; run in dev mode and in signed cloud mode
 * by the two subclasses.
 */
abstract class EmulatedRunContract {

    /** The reference function's branch steps: one per branch of the pipeline. */
    static final List<String> BRANCHES = Arrays.stream(Branch.values()).map(Branch::id).toList();
    static final String FN_ID = "media-pipeline-fanout-adaptive-streaming";

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    abstract Optional<String> signingKey();

    private ExecutorEmulator emulator() {
        return new ExecutorEmulator(serveUrl, FN_ID, signingKey(), 3, Duration.ofMillis(300));
    }

    private static ObjectNode upload(String mediaId) {
        return new ObjectMapper().createObjectNode().put("mediaId", mediaId)
                .put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4");
    }

    @Test
    void happyPathRunsEveryStepBodyExactlyOnceAndReturnsTheAssembledRecord() throws Exception {
        String mediaId = "vid_" + UUID.randomUUID();
        ExecutorEmulator.Run run = emulator().run("video/uploaded", upload(mediaId));

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.output().path("id").asText()).isEqualTo(mediaId);
        assertThat(run.output().path("status").asText()).isEqualTo("ready");
        assertThat(run.output().path("gifUrl").asText()).isEqualTo("https://cdn.example/" + mediaId + "/gif-preview.gif");
        for (String step : BRANCHES) {
            assertThat(ReferenceFunction.executions(mediaId, step)).as(step).isEqualTo(1);
        }
        assertThat(ReferenceFunction.executions(mediaId, "assemble")).isEqualTo(1);
        // discovery plans the four branches, each is called once by id, then assemble runs immediately, then 200
        assertThat(run.calls().get(0).ops()).containsExactly("StepPlanned", "StepPlanned", "StepPlanned", "StepPlanned");
        for (String step : BRANCHES) {
            assertThat(run.callsFor(StepIds.hash(step))).hasSize(1).allMatch(c -> c.ops().equals(List.of("StepRun")));
        }
        assertThat(run.calls().get(run.calls().size() - 2).ops()).containsExactly("StepRun");
        assertThat(run.calls().get(run.calls().size() - 1).status()).isEqualTo(200);
        assertThat(run.calls()).hasSize(7);
    }

    @Test
    void aStepThatFailsTwiceThenSucceedsIsTheOnlyOneRunAgain() throws Exception {
        String mediaId = "vid_" + UUID.randomUUID();
        ExecutorEmulator.Run run = emulator().run("video/uploaded",
                upload(mediaId).put("flakyStep", "gif-preview").put("failTimes", 2));

        assertThat(run.status()).isEqualTo("completed");
        assertThat(ReferenceFunction.executions(mediaId, "gif-preview")).isEqualTo(3);
        for (String step : List.of("hls-package", "poster-image", "audio-transcription", "assemble")) {
            assertThat(ReferenceFunction.executions(mediaId, step)).as(step).isEqualTo(1);
        }
        List<ExecutorEmulator.Call> gifCalls = run.callsFor(StepIds.hash("gif-preview"));
        assertThat(gifCalls).extracting(ExecutorEmulator.Call::ops)
                .containsExactly(List.of("StepError"), List.of("StepError"), List.of("StepRun"));
        assertThat(gifCalls).extracting(ExecutorEmulator.Call::noRetry).containsExactly("false", "false", null);
    }

    @Test
    void aStepThatAlwaysFailsEndsInStepFailedAndTheFunctionFailsWith400() throws Exception {
        String mediaId = "vid_" + UUID.randomUUID();
        ExecutorEmulator.Run run = emulator().run("video/uploaded", upload(mediaId).put("failStep", "gif-preview"));

        assertThat(run.status()).isEqualTo("failed");
        assertThat(ReferenceFunction.executions(mediaId, "gif-preview")).isEqualTo(4);
        assertThat(ReferenceFunction.executions(mediaId, "assemble")).isZero();
        List<ExecutorEmulator.Call> gifCalls = run.callsFor(StepIds.hash("gif-preview"));
        assertThat(gifCalls).extracting(ExecutorEmulator.Call::attempt).containsExactly(0, 1, 2, 3);
        ExecutorEmulator.Call last = gifCalls.get(3);
        assertThat(last.ops()).containsExactly("StepFailed");
        assertThat(last.noRetry()).isEqualTo("true");
        ExecutorEmulator.Call end = run.calls().get(run.calls().size() - 1);
        assertThat(end.status()).isEqualTo(400);
        assertThat(end.noRetry()).isEqualTo("true");
        assertThat(run.output().path("message").asText()).isEqualTo("media API failed for gif-preview (simulated)");
    }

    @Test
    void aNonRetriableStepFailureFailsTheRunWithoutRetries() throws Exception {
        String mediaId = "vid_" + UUID.randomUUID();
        ExecutorEmulator.Run run = emulator().run("video/uploaded", upload(mediaId).put("nonRetriableStep", "hls-package"));

        assertThat(run.status()).isEqualTo("failed");
        assertThat(run.callsFor(StepIds.hash("hls-package"))).singleElement()
                .satisfies(c -> assertThat(c.ops()).containsExactly("StepFailed"));
        assertThat(run.output().path("name").asText()).isEqualTo("NonRetriableError");
    }

    @Test
    void aRetryAfterErrorTellsTheExecutorWhenToRetry() throws Exception {
        String mediaId = "vid_" + UUID.randomUUID();
        ExecutorEmulator.Run run = emulator().run("video/uploaded",
                upload(mediaId).put("rateLimitedStep", "poster-image").put("failTimes", 1));

        assertThat(run.status()).isEqualTo("completed");
        List<ExecutorEmulator.Call> posterCalls = run.callsFor(StepIds.hash("poster-image"));
        assertThat(posterCalls).hasSize(2);
        assertThat(posterCalls.get(0).retryAfter()).isEqualTo("2");
        assertThat(posterCalls.get(0).noRetry()).isEqualTo("false");
        assertThat(posterCalls.get(1).ops()).containsExactly("StepRun");
    }
}
