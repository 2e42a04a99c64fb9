package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.serve.ServeLimits;
import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.ReferenceAppProfile;
import io.mediafanout.testing.Transcript;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Replays the dev-mode exchanges recorded from the official TypeScript SDK (scenarios A, F and E) and expects the
 * same answers.
 */
@QuarkusTest
@TestProfile(ReferenceAppProfile.class)
class DevModeTranscriptTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    static Stream<String> transcripts() {
        return Stream.of("01-A-get-introspection.json", "02-A-post-discovery-no-state.json",
                "03-A-post-run-hls-package.json", "04-A-post-run-poster-image.json", "05-A-post-run-gif-preview.json",
                "06-A-post-run-audio-transcription.json", "07-A-post-discovery-4-memo-die-true.json",
                "08-A-post-discovery-4-memo-die-false.json", "09-A-post-run-assemble.json",
                "10-A-post-final-all-memo.json", "11-A-post-final-all-memo-raw-values.json",
                "12-F-post-discovery.json", "13-F-post-run-gif-attempt0.json", "14-F-post-run-gif-attempt1.json",
                "15-F-post-run-gif-attempt2.json", "16-F-post-run-gif-attempt3.json",
                "17-F-post-run-gif-attempt3-no-max.json", "18-F-post-discovery-with-failed-step.json",
                "29-E-post-unknown-fn.json", "30-E-post-bad-body.json", "32-E-delete-405.json",
                "33-E-put-dev-register.json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void answersLikeTheTypeScriptSdk(String file) throws Exception {
        Transcript transcript = Transcript.load(file);
        HttpResponse<String> response = Conformance.replay(transcript, serveUrl);
        Conformance.assertConforms(transcript, response, null);
    }

    @Test
    void outOfBandSyncPostsTheSameRegistrationAsTheTypeScriptSdk() throws Exception {
        Transcript put = Transcript.load("33-E-put-dev-register.json");
        Conformance.assertConforms(put, Conformance.replay(put, serveUrl), null);

        JsonNode recorded = Transcript.load("34-E-mockapi-register-call.json").root().path("requests").get(0);
        var registrations = FakeInngestApi.server().received(r -> r.path().equals("/fn/register"));
        assertThat(registrations).hasSize(1);
        RecordingHttpServer.Recorded ours = registrations.get(0);
        assertThat(ours.method()).isEqualTo("POST");
        assertThat(ours.header("x-inngest-sync-kind")).isEqualTo("out_of_band");
        assertThat(ours.header("x-inngest-sdk")).isEqualTo(InngestEnvironment.SDK);
        assertThat(ours.header("authorization")).as("no key in dev mode: no bearer token").isNull();

        String ourOrigin = serveUrl.getScheme() + "://" + serveUrl.getRawAuthority();
        String body = ours.body().replace(ourOrigin, "http://127.0.0.1:3939");
        ObjectMapper json = new ObjectMapper();
        Conformance.assertBodyConforms("registration", recorded.path("body").asText(), body);
        assertThat(json.readTree(ours.body()).path("sdk").asText()).isEqualTo(InngestEnvironment.SDK);
        assertThat(json.readTree(ours.body()).path("capabilities").path("trust_probe").asText()).isEqualTo("v1");
        // beyond the reference: every function declares the app-wide limit (calls per process x replicas), shared
        // through a constant key at env scope, so Inngest queues a burst's excess upstream
        int perProcess = ServeLimits.defaultCalls(Runtime.getRuntime().maxMemory());
        for (JsonNode function : json.readTree(ours.body()).path("functions")) {
            assertThat(function.path("concurrency")).as(function.path("id").asText()).hasSize(1);
            JsonNode limit = function.path("concurrency").get(0);
            assertThat(limit.path("limit").asInt()).isEqualTo(perProcess * 10);
            assertThat(limit.path("key").asText()).isEqualTo("\"media-pipeline\"");
            assertThat(limit.path("scope").asText()).isEqualTo("env");
        }
    }
}
