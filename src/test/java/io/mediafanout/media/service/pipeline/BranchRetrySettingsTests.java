package io.mediafanout.media.service.pipeline;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Each branch has its own retry policy, set by settings named after the branch
 * ({@code media.ittybit.<branch>.retry.*}, {@code MEDIA_ITTYBIT_<BRANCH>_RETRY_*}): here the poster branch retries
 * nothing inside a call while the others keep the defaults.
 */
@QuarkusTest
@TestProfile(BranchSettingsProfile.class)
class BranchRetrySettingsTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    /** Step executions of a step: calls answered with a StepRun or a StepError. */
    private static List<List<String>> executions(ExecutorEmulator.Run run, String stepId) {
        return run.callsFor(TestHashes.of(stepId)).stream().map(ExecutorEmulator.Call::ops)
                .filter(ops -> ops.contains("StepRun") || ops.contains("StepError")).toList();
    }

    @Test
    void theIttybitPlansRateIsDeclaredToInngestAsAThrottleOfRunStarts() throws Exception {
        JsonNode pipeline = FakeInngestApi.syncedFunction(serveUrl, MediaFixture.FANOUT);

        // 10 creates a second, at most four per run: 10 runs per 4 s, for every owner together (no key)
        assertThat(pipeline.path("throttle").path("limit").asInt()).isEqualTo(10);
        assertThat(pipeline.path("throttle").path("period").asText()).isEqualTo("4s");
        assertThat(pipeline.path("throttle").has("key")).isFalse();
    }

    @Test
    void aBranchSetToNoRetriesLeavesA503ToInngestWhileAnotherBranchRetriesInsideTheCall() throws Exception {
        String mediaId = MediaFixture.newId("vid");
        FakeIttybit.script(mediaId, "image").createFaults(503);
        FakeIttybit.script(mediaId, "video").createFaults(503);

        ExecutorEmulator.Run run = MediaFixture.of(serveUrl).run(mediaId);

        assertThat(run.status()).isEqualTo("completed");
        // poster-image: the 503 failed its create step after a single call; Inngest's retry of the step created it
        assertThat(executions(run, "poster-image")).containsExactly(List.of("StepError"), List.of("StepRun"));
        assertThat(FakeIttybit.creates(mediaId, "image")).as("one create per step attempt").hasSize(2);
        // gif-preview, same 503: retried inside the one step call, as the defaults say
        assertThat(executions(run, "gif-preview")).containsExactly(List.of("StepRun"));
        assertThat(FakeIttybit.creates(mediaId, "video")).as("two creates in one step attempt").hasSize(2);
        for (Branch branch : Branch.values()) {
            assertThat(FakeIttybit.tasks(mediaId, branch.kind())).as(branch.kind()).hasSize(1);
        }
        assertThat(given().get("/media/" + mediaId).then().statusCode(200).extract().jsonPath().getString("status"))
                .isEqualTo("ready");
    }

    /** The mapping as the service reads it, from these environment variables alone. */
    private static MediaConfig.Ittybit fromEnvironment(Map<String, String> variables) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(MediaConfig.class)
                .withSources(new EnvConfigSource(variables, 300)).build();
        return config.getConfigMapping(MediaConfig.class).ittybit();
    }

    @Test
    void eachBranchReadsTheVariablesNamedAfterItAndKeepsTheDefaultsOtherwise() {
        MediaConfig.Ittybit ittybit = fromEnvironment(Map.of("MEDIA_ITTYBIT_POSTER_IMAGE_RETRY_MAX_RETRIES", "0",
                "MEDIA_ITTYBIT_GIF_PREVIEW_RETRY_DELAY", "PT2S",
                "MEDIA_ITTYBIT_AUDIO_TRANSCRIPTION_RETRY_JITTER", "PT0S",
                "MEDIA_ITTYBIT_HLS_PACKAGE_RETRY_MAX_DURATION", "PT5S"));

        assertThat(ittybit.retry(Branch.POSTER_IMAGE).maxRetries()).isZero();
        assertThat(ittybit.retry(Branch.GIF_PREVIEW).delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(ittybit.retry(Branch.AUDIO_TRANSCRIPTION).jitter()).isZero();
        assertThat(ittybit.retry(Branch.HLS_PACKAGE).maxDuration()).isEqualTo(Duration.ofSeconds(5));
        for (Branch branch : Branch.values()) {
            MediaConfig.Retry retry = ittybit.retry(branch);
            if (branch != Branch.POSTER_IMAGE) {
                assertThat(retry.maxRetries()).as(branch.id()).isEqualTo(4);
            }
            if (branch != Branch.GIF_PREVIEW) {
                assertThat(retry.delay()).as(branch.id()).isEqualTo(Duration.ofMillis(500));
            }
            if (branch != Branch.AUDIO_TRANSCRIPTION) {
                assertThat(retry.jitter()).as(branch.id()).isEqualTo(Duration.ofMillis(250));
            }
            if (branch != Branch.HLS_PACKAGE) {
                assertThat(retry.maxDuration()).as(branch.id()).isEqualTo(Duration.ofSeconds(15));
            }
        }
        ittybit.check(false);
    }

    @Test
    void aNegativeOrInconsistentRetrySettingStopsTheStartNamingIt() {
        assertThatThrownBy(() -> fromEnvironment(
                Map.of("MEDIA_ITTYBIT_HLS_PACKAGE_RETRY_MAX_DURATION", "PT16S")).check(false))
                .hasMessageStartingWith("media.ittybit.hls-package.retry.max-duration "
                        + "(MEDIA_ITTYBIT_HLS_PACKAGE_RETRY_MAX_DURATION) is PT16S: it must be at most PT15S");
        assertThatThrownBy(() -> fromEnvironment(
                Map.of("MEDIA_ITTYBIT_GIF_PREVIEW_RETRY_MAX_RETRIES", "-1")).check(false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("media.ittybit.gif-preview.retry.max-retries (MEDIA_ITTYBIT_GIF_PREVIEW_RETRY_MAX_RETRIES)"
                        + " is -1: it must be 0 (no retry) or more");
        assertThatThrownBy(() -> fromEnvironment(
                Map.of("MEDIA_ITTYBIT_HLS_PACKAGE_RETRY_DELAY", "-PT1S")).check(false))
                .hasMessage("media.ittybit.hls-package.retry.delay (MEDIA_ITTYBIT_HLS_PACKAGE_RETRY_DELAY) is PT-1S: "
                        + "it must not be negative");
        assertThatThrownBy(() -> fromEnvironment(
                Map.of("MEDIA_ITTYBIT_POSTER_IMAGE_RETRY_JITTER", "-PT0.1S")).check(false))
                .hasMessageStartingWith("media.ittybit.poster-image.retry.jitter ");
        assertThatThrownBy(() -> fromEnvironment(
                Map.of("MEDIA_ITTYBIT_AUDIO_TRANSCRIPTION_RETRY_MAX_DURATION", "PT0.5S")).check(false))
                .hasMessage("media.ittybit.audio-transcription.retry.max-duration "
                        + "(MEDIA_ITTYBIT_AUDIO_TRANSCRIPTION_RETRY_MAX_DURATION) is PT0.5S: it must be longer than "
                        + "media.ittybit.audio-transcription.retry.delay (PT0.5S)");
    }

    private static MediaConfig mediaConfig(Map<String, String> variables) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(MediaConfig.class)
                .withSources(new EnvConfigSource(variables, 300)).build();
        return config.getConfigMapping(MediaConfig.class);
    }

    @Test
    void rateLimitSettingsThatWouldHoldACallOrCannotBeDeclaredStopTheStart() {
        assertThatThrownBy(() -> fromEnvironment(Map.of("MEDIA_ITTYBIT_POLL_MAX_IN_PROCESS_RETRY_AFTER", "PT1S"))
                .check(false)).hasMessageStartingWith("media.ittybit.poll.max-in-process-retry-after ")
                .hasMessageContaining("held by Inngest");
        assertThatThrownBy(() -> fromEnvironment(Map.of("MEDIA_ITTYBIT_RATE_LIMIT_MAX_WAITS", "-1")).check(false))
                .hasMessageStartingWith("media.ittybit.rate-limit.max-waits ");
        // with its spread, a longer wait could outlive the idempotency key the create is tried again with
        assertThatThrownBy(() -> fromEnvironment(Map.of("MEDIA_ITTYBIT_RATE_LIMIT_MAX_WAIT", "PT13H")).check(false))
                .hasMessageStartingWith("media.ittybit.rate-limit.max-wait ").hasMessageContaining("idempotency key");
        // and so could all of a branch's waits together: 10 of 12 hours each, but not one
        assertThatThrownBy(() -> BranchFlow.checkWaitsWithinTheKeysDay(Duration.ofHours(12), 10))
                .hasMessageStartingWith("media.ittybit.rate-limit.max-wait ").hasMessageContaining("max-waits=10")
                .hasMessageContaining("idempotency key");
        BranchFlow.checkWaitsWithinTheKeysDay(Duration.ofHours(12), 1);
        MediaConfig.RateLimit defaults = fromEnvironment(Map.of()).rateLimit();
        BranchFlow.checkWaitsWithinTheKeysDay(defaults.maxWait(), defaults.maxWaits());
        assertThatThrownBy(() -> fromEnvironment(Map.of("MEDIA_ITTYBIT_RATE_LIMIT_CREATES_PER_SECOND", "0.0001"))
                .check(false)).hasMessageStartingWith("media.ittybit.rate-limit.creates-per-second ");
        // Inngest takes one throttle per function: the plan's pace and a per-owner throttle cannot both be declared
        assertThatThrownBy(() -> FanoutFunction.throttle(mediaConfig(Map.of(
                "MEDIA_ITTYBIT_RATE_LIMIT_CREATES_PER_SECOND", "5", "MEDIA_OWNERS_RUNS_PER_MINUTE", "60"))))
                .hasMessageStartingWith("media.owners.runs-per-minute ").hasMessageContaining("one throttle per function");
        assertThat(FanoutFunction.throttle(mediaConfig(Map.of("MEDIA_OWNERS_RUNS_PER_MINUTE", "60"))))
                .hasValueSatisfying(t -> assertThat(t.key()).hasValue("event.data.owner"));
        assertThat(FanoutFunction.throttle(mediaConfig(Map.of()))).isEmpty();
    }
}
